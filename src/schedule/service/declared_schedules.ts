/**
 * Schedules declared in the config file (`schedules`, keyed by name) made real at start-up:
 * a name seen for the first time is created (or adopts a schedule of that name made through
 * the API), a changed one is replaced (rescheduled from now), an unchanged one is left alone
 * (its next run, pause state and history stay), and schedules the file does not name are not
 * touched. Every declared schedule is checked before anything is written, so a bad file
 * changes nothing and names `file:schedules.<name>.<field>`.
 *
 * @example
 * ```ts
 * const outcomes = await applyDeclaredSchedules({ kv, service, config }, file.path, file.schedules);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { NightpullError } from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import { getDeclared, getSchedule, listSchedules, setDeclared } from "../../store/mod.ts";
import type { Schedule } from "../../store/records.ts";
import {
  normalizeScheduleInput,
  type ScheduleFields,
  type ScheduleInput,
} from "./schedule_input.ts";
import type { ScheduleService } from "./service.ts";

/** What start-up did with one declared schedule. */
interface DeclaredOutcome {
  name: string;
  id: string;
  action: "created" | "adopted" | "updated" | "unchanged";
}

/** What {@link applyDeclaredSchedules} needs. */
interface DeclaredDeps {
  kv: Deno.Kv;
  service: ScheduleService;
  config: Config;
  logger?: Logger;
  /** The instant inputs are checked at (default now). */
  now?: () => number;
}

/** JSON with sorted keys, so equal records compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

function storedFields(s: Schedule): ScheduleFields {
  const { id: _i, status: _s, createdAt: _c, updatedAt: _u, ...fields } = s;
  return fields;
}

function badSchedule(path: string, name: string, err: unknown): NightpullError {
  if (!(err instanceof NightpullError)) throw err;
  const field = typeof err.details?.field === "string" && err.details.field
    ? `schedules.${name}.${err.details.field}`
    : `schedules.${name}`;
  return new NightpullError("invalid_config", `${path}:${field}: ${err.message}`, {
    file: path,
    field,
  });
}

interface Plan {
  name: string;
  body: Record<string, unknown>;
  pointer: { id: string; versionstamp: string } | null;
  existing: Schedule | null;
  /** Normalized at now; null when unchanged (then never re-checked against now). */
  fields: ScheduleFields | null;
}

async function findExisting(
  kv: Deno.Kv,
  pointer: { id: string } | null,
): Promise<Schedule | null> {
  if (!pointer) return null;
  try {
    const s = await getSchedule(kv, pointer.id);
    return s.status === "deleted" ? null : s;
  } catch (err) {
    if (err instanceof NightpullError && err.code === "not_found") return null;
    throw err;
  }
}

/** Schedules made through the API, by name (oldest first wins), for names new to the file. */
async function byName(kv: Deno.Kv, names: Set<string>): Promise<Map<string, Schedule>> {
  const found = new Map<string, Schedule>();
  if (names.size === 0) return found;
  let cursor: string | undefined;
  do {
    const page = await listSchedules(kv, { limit: 200, cursor });
    for (const s of page.items) if (names.has(s.name) && !found.has(s.name)) found.set(s.name, s);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/**
 * Creates, adopts or replaces the declared schedules (see the module doc). Throws
 * `invalid_config` naming `path:schedules.<name>.<field>` before writing anything.
 */
export async function applyDeclaredSchedules(
  deps: DeclaredDeps,
  path: string,
  schedules: Record<string, Record<string, unknown>>,
): Promise<DeclaredOutcome[]> {
  const { kv, config } = deps;
  const log = deps.logger ?? silentLogger;
  const now = deps.now?.() ?? Date.now();
  const plans: Plan[] = [];
  for (const [name, body] of Object.entries(schedules)) {
    const pointer = await getDeclared(kv, name);
    plans.push({ name, body, pointer, existing: await findExisting(kv, pointer), fields: null });
  }
  const adoptable = await byName(kv, new Set(plans.filter((p) => !p.existing).map((p) => p.name)));
  // check everything first: a bad file writes nothing
  for (const plan of plans) {
    plan.existing ??= adoptable.get(plan.name) ?? null;
    const existing = plan.existing;
    // an unchanged schedule is compared as of its last write, so a `once` whose time has
    // passed since is still the same schedule, not an error
    if (existing) {
      try {
        const then = normalizeScheduleInput(plan.body, new Date(existing.updatedAt), config);
        if (canonical(then) === canonical(storedFields(existing))) continue;
      } catch {
        // not the stored schedule: checked against now below
      }
    }
    try {
      plan.fields = normalizeScheduleInput(plan.body, new Date(now), config);
    } catch (err) {
      throw badSchedule(path, plan.name, err);
    }
  }
  const outcomes: DeclaredOutcome[] = [];
  for (const plan of plans) outcomes.push(await apply(deps, plan));
  for (const o of outcomes) {
    const fields = { file: path, name: o.name, scheduleId: o.id };
    if (o.action === "unchanged") log.debug("config.schedule_unchanged", fields);
    else log.info(`config.schedule_${o.action}`, fields);
  }
  return outcomes;
}

async function apply(deps: DeclaredDeps, plan: Plan): Promise<DeclaredOutcome> {
  const { kv, service } = deps;
  const input = plan.body as unknown as ScheduleInput;
  for (let race = 0; race < 5; race++) {
    const existing = plan.existing;
    if (existing) {
      const adopting = plan.pointer?.id !== existing.id;
      if (
        adopting &&
        !(await setDeclared(kv, plan.name, existing.id, plan.pointer?.versionstamp ?? null))
      ) {
        await reread(kv, plan);
        continue;
      }
      if (!plan.fields) {
        return { name: plan.name, id: existing.id, action: adopting ? "adopted" : "unchanged" };
      }
      const updated = await service.replace(existing.id, input);
      return { name: plan.name, id: updated.id, action: adopting ? "adopted" : "updated" };
    }
    try {
      const created = await service.create(input, {
        name: plan.name,
        versionstamp: plan.pointer?.versionstamp ?? null,
      });
      return { name: plan.name, id: created.id, action: "created" };
    } catch (err) {
      if (!(err instanceof NightpullError && err.code === "conflict")) throw err;
      // another replica declared it meanwhile: take theirs
      await reread(kv, plan);
    }
  }
  throw new NightpullError(
    "conflict",
    `schedule "${plan.name}" kept changing while start-up declared it; start again`,
  );
}

async function reread(kv: Deno.Kv, plan: Plan): Promise<void> {
  plan.pointer = await getDeclared(kv, plan.name);
  // names are unique: a schedule of this name made through the API meanwhile is adopted
  plan.existing = await findExisting(kv, plan.pointer) ??
    (await byName(kv, new Set([plan.name]))).get(plan.name) ?? null;
  if (plan.existing && plan.fields) {
    // the other process may have written exactly this
    if (canonical(plan.fields) === canonical(storedFields(plan.existing))) plan.fields = null;
  }
}
