/**
 * Writing a schedule's fields: create (a name the user did not choose gets a suffix when
 * taken), PUT (every field replaced, rescheduled from now) and PATCH (fields merged, null
 * removes one; rescheduled on a new trigger). Input is validated and outbound targets checked
 * before anything is written; a webhook secret sent back as `"***"` keeps the stored one.
 *
 * @example
 * ```ts
 * const view = await createScheduleFromInput(ctx, { source: "hf:gpt2", trigger });
 * await patchSchedule(ctx, view.id, { priority: 8 });
 * ```
 * @module
 */
import { checkOutboundTargets } from "../../download/net/outbound_guard.ts";
import { parseSource } from "../../download/source/source.ts";
import { NightpullError } from "../../errors.ts";
import {
  createSchedule,
  getSchedule,
  newId,
  type ScheduleState,
  updateSchedule,
} from "../../store/mod.ts";
import type { Schedule } from "../../store/records.ts";
import { nextOccurrence } from "../trigger/trigger.ts";
import { retimeWaitingRuns } from "../window/window_service.ts";
import {
  normalizeScheduleInput,
  type ScheduleFields,
  type ScheduleInput,
} from "./schedule_input.ts";
import type { ScheduleView } from "./schedule_views.ts";
import { conflict, type ServiceContext } from "./service_context.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Validates and stores a new active schedule; throws `invalid_*` with `details.field`. With
 * `declared`, also records it as the config file's schedule of that name, atomically
 * (`conflict` when another process declared the name first).
 */
export async function createScheduleFromInput(
  ctx: ServiceContext,
  input: ScheduleInput,
  declared?: { name: string; versionstamp: string | null },
): Promise<ScheduleView> {
  const now = ctx.clock.now();
  const fields = normalizeScheduleInput(input, new Date(now), ctx.config);
  await checkOutboundTargets(ctx.config, fields);
  const schedule: Schedule = {
    ...fields,
    id: newId(now),
    status: "active",
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  const state = freshState(ctx, schedule, now, null);
  // a name the user did not choose gets a suffix when taken: "gpt2", "gpt2-2", ...
  for (let n = 2;; n++) {
    try {
      await createSchedule(ctx.kv, schedule, state, declared);
      break;
    } catch (err) {
      const taken = err instanceof NightpullError && err.details?.field === "name";
      if (!taken || input?.name !== undefined || n > 22) throw err;
      // past 20 numbered copies, the id's random tail makes the name unique
      schedule.name = n <= 21 ? `${fields.name}-${n}` : `${fields.name}-${schedule.id.slice(-8)}`;
    }
  }
  ctx.log.info("schedule.created", { scheduleId: schedule.id, name: schedule.name });
  ctx.changed(schedule.id, { runs: false, nextAt: state.nextAt });
  return { ...schedule, nextRunAt: state.nextAt === null ? null : iso(state.nextAt) };
}

/** PUT: replaces every input field and reschedules from now; without a name, keeps it. */
export async function replaceSchedule(
  ctx: ServiceContext,
  id: string,
  input: ScheduleInput,
): Promise<Schedule> {
  const existing = await getSchedule(ctx.kv, id);
  const named = input?.name === undefined && typeof input === "object" && input !== null
    ? { ...input, name: existing.name }
    : input;
  return await rewrite(ctx, id, keepSecret(named, existing), true);
}

/** PATCH: merges the given fields (null removes an optional one); reschedules on a new trigger. */
export async function patchSchedule(
  ctx: ServiceContext,
  id: string,
  partial: Partial<ScheduleInput>,
): Promise<Schedule> {
  if (typeof partial !== "object" || partial === null || Array.isArray(partial)) {
    throw new NightpullError("invalid_input", "a schedule patch must be a JSON object", {
      field: "",
    });
  }
  const existing = await getSchedule(ctx.kv, id);
  const merged = { ...inputOf(existing), ...partial } as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) if (value === null) delete merged[key];
  if ("source" in partial && !("layout" in partial)) delete merged.layout;
  if ("source" in partial && parseSource(String(partial.source)).kind === "hf") {
    if (!("sha256" in partial)) delete merged.sha256;
    if (!("filename" in partial)) delete merged.filename;
  }
  const retrigger = "trigger" in partial &&
    JSON.stringify(partial.trigger) !== JSON.stringify(existing.trigger);
  const input = keepSecret(merged as unknown as ScheduleInput, existing);
  return await rewrite(ctx, id, input, retrigger);
}

/** The input fields of a stored schedule (what a PATCH is merged onto). */
function inputOf(s: Schedule): Record<string, unknown> {
  const { id: _i, status: _s, createdAt: _c, updatedAt: _u, ...fields } = s;
  const out: Record<string, unknown> = { ...fields };
  // a URL's stored layout is implied, not something the user sent
  if (parseSource(s.source).kind === "url") delete out.layout;
  return out;
}

/** A webhook secret shown as "***" and sent back unchanged means "keep the stored one". */
function keepSecret(input: ScheduleInput, existing: Schedule): ScheduleInput {
  if (input?.webhook?.secret === "***" && existing.webhook?.secret) {
    return { ...input, webhook: { ...input.webhook, secret: existing.webhook.secret } };
  }
  return input;
}

async function rewrite(
  ctx: ServiceContext,
  id: string,
  input: ScheduleInput,
  retrigger: boolean,
): Promise<Schedule> {
  const now = ctx.clock.now();
  const fields: ScheduleFields = normalizeScheduleInput(input, new Date(now), ctx.config);
  await checkOutboundTargets(ctx.config, fields);
  let windowChanged = false;
  const entry = await updateSchedule(ctx.kv, id, ({ schedule, state }) => {
    if (schedule.status === "deleted") {
      throw conflict(`cannot update schedule "${id}": it is deleted`, id);
    }
    windowChanged = JSON.stringify(schedule.timeWindow) !== JSON.stringify(fields.timeWindow);
    // a completed `once` given a new trigger is active again
    const status = schedule.status === "completed" && retrigger ? "active" : schedule.status;
    const next: Schedule = {
      ...fields,
      id,
      status,
      createdAt: schedule.createdAt,
      updatedAt: iso(now),
    };
    return { schedule: next, state: retrigger ? freshState(ctx, next, now, state) : state };
  });
  // a run waiting for the old window resumes at the new one's opening
  if (windowChanged) await retimeWaitingRuns(ctx.kv, entry!, ctx.config.timezone, now);
  ctx.log.info("schedule.updated", { scheduleId: id });
  ctx.changed(id);
  return entry!.schedule;
}

/** State that plans from `now`: the next occurrence if active, keeping runs in flight. */
function freshState(
  ctx: ServiceContext,
  s: Schedule,
  now: number,
  prev: ScheduleState | null,
): ScheduleState {
  return {
    cursor: now,
    nextAt: s.status === "active" ? nextOccurrence(s.trigger, ctx.config.timezone, now) : null,
    activeRunId: prev?.activeRunId ?? null,
    queuedRunId: prev?.queuedRunId ?? null,
  };
}
