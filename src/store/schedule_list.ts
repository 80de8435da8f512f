/**
 * Listing schedules (in creation order, by status, by label, a page at a time) and reading the
 * engine's state of many schedules at once: their next planned times, every state at start-up,
 * and the version counter other processes poll.
 *
 * @example
 * ```ts
 * const page = await listSchedules(kv, { status: "active", limit: 20 });
 * const next = await getNextTimes(kv, page.items.map((s) => s.id));
 * ```
 * @module
 */
import type { Schedule, ScheduleStatus } from "./records.ts";
import {
  SCHEDULE_STATE_PREFIX,
  scheduleKey,
  SCHEDULES_PREFIX,
  SCHEDULES_VERSION_KEY,
  scheduleStateKey,
  scheduleStatusPrefix,
} from "./keys.ts";
import { decodeCursor, encodeCursor, type Page, pageLimit } from "./page.ts";
import type { ScheduleState } from "./schedules.ts";

/** Options of {@link listSchedules}. */
export interface ScheduleListOptions {
  status?: ScheduleStatus;
  /** Only schedules carrying every one of these labels (a null value: the key, any value). */
  labels?: [key: string, value: string | null][];
  limit?: number;
  cursor?: string;
}

/** True when `s` carries every label of `wanted`. */
function hasLabels(s: Schedule, wanted: ScheduleListOptions["labels"]): boolean {
  return (wanted ?? []).every(([k, v]) =>
    s.labels !== undefined && Object.hasOwn(s.labels, k) && (v === null || s.labels[k] === v)
  );
}

/**
 * Schedule records of a status, in creation order: the ids of one listed batch, then their
 * records with getMany calls of 10 keys sent at once.
 */
async function* byStatus(
  kv: Deno.Kv,
  status: ScheduleStatus,
  after: string | null,
  batchSize: number,
): AsyncGenerator<{ id: string; schedule: Schedule | null }> {
  const prefix = scheduleStatusPrefix(status);
  const selector = after ? { prefix, start: [...prefix, after] } : { prefix };
  const iter = kv.list<null>(selector, { batchSize });
  let ids: string[] = [];
  // getMany takes 10 keys: not one read per id (a round trip each over KV Connect), and a
  // page's calls go out together rather than one after another
  const flush = async function* () {
    const batch = ids;
    ids = [];
    const chunks: string[][] = [];
    for (let i = 0; i < batch.length; i += 10) chunks.push(batch.slice(i, i + 10));
    const reads = await Promise.all(
      chunks.map((chunk) => kv.getMany<Schedule[]>(chunk.map((id) => scheduleKey(id)))),
    );
    let i = 0;
    for (const read of reads) for (const e of read) yield { id: batch[i++], schedule: e.value };
  };
  for await (const { key } of iter) {
    const id = key[3] as string;
    if (id === after) continue;
    ids.push(id);
    if (ids.length === batchSize) yield* flush();
  }
  if (ids.length) yield* flush();
}

/** Every schedule record in creation order. */
async function* byId(
  kv: Deno.Kv,
  after: string | null,
  batchSize: number,
): AsyncGenerator<{ id: string; schedule: Schedule | null }> {
  const prefix = SCHEDULES_PREFIX;
  const selector = after ? { prefix, start: [...prefix, after] } : { prefix };
  const iter = kv.list<Schedule>(selector, { batchSize });
  for await (const { key, value } of iter) yield { id: key[2] as string, schedule: value };
}

/**
 * Lists schedules in creation order; without `status`, deleted ones are left out. A label
 * filter reads on past schedules that do not match until the page is full.
 */
export async function listSchedules(
  kv: Deno.Kv,
  opts: ScheduleListOptions = {},
): Promise<Page<Schedule>> {
  const limit = pageLimit(opts.limit);
  const after = opts.cursor ? decodeCursor(opts.cursor) : null;
  const items: Schedule[] = [];
  let more = false;
  // a page, the cursor's own entry and the one that tells there is more, in one read (the
  // default batch of 100 made a page of 100 two reads of 100 records)
  const batchSize = Math.min(limit + 2, 500);
  const source = opts.status
    ? byStatus(kv, opts.status, after, batchSize)
    : byId(kv, after, batchSize);
  for await (const { id, schedule } of source) {
    if (id === after || !schedule) continue;
    // a stale index entry (status changed in between) is left out
    if (opts.status ? schedule.status !== opts.status : schedule.status === "deleted") continue;
    if (!hasLabels(schedule, opts.labels)) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(schedule);
  }
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
}

/**
 * The engine's next planned time (ms) of each schedule in `ids`; null when none. A page's ids
 * (ascending) are read as one range of states, the few the range did not cover by key.
 */
export async function getNextTimes(
  kv: Deno.Kv,
  ids: string[],
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  const rest = ids.length > 10 && isAscending(ids) ? await readRange(kv, ids, out) : ids;
  const chunks: string[][] = [];
  for (let i = 0; i < rest.length; i += 10) chunks.push(rest.slice(i, i + 10));
  // getMany takes 10 keys at most: the chunks are read at once, not one round trip after another
  const reads = await Promise.all(
    chunks.map((chunk) => kv.getMany<ScheduleState[]>(chunk.map((id) => scheduleStateKey(id)))),
  );
  chunks.forEach((chunk, c) =>
    chunk.forEach((id, j) => out.set(id, reads[c][j].value?.nextAt ?? null))
  );
  return out;
}

function isAscending(ids: string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i - 1] >= ids[i]) return false;
  return true;
}

/**
 * Reads the states from `ids[0]` to the last id as one range (one SQLite query, where a
 * getMany per 10 keys is ten): what it holds goes into `out`. The range also holds schedules
 * not on the page (deleted, filtered out); it is cut at twice the page, and the ids it did
 * not reach are returned for reading by key.
 */
async function readRange(
  kv: Deno.Kv,
  ids: string[],
  out: Map<string, number | null>,
): Promise<string[]> {
  const wanted = new Set(ids);
  const limit = Math.min(2 * ids.length, 500);
  const selector = {
    start: scheduleStateKey(ids[0]),
    // just past the last id: no id has it as a prefix followed by U+0000
    end: scheduleStateKey(`${ids[ids.length - 1]}\0`),
  };
  let read = 0;
  let last = "";
  for await (const e of kv.list<ScheduleState>(selector, { limit, batchSize: limit })) {
    read++;
    last = e.key[e.key.length - 1] as string;
    if (wanted.has(last)) out.set(last, e.value.nextAt ?? null);
  }
  // read to its end (or up to `last`), the range holds every state there is: others have none
  const reached = read < limit ? null : last;
  const rest: string[] = [];
  for (const id of ids) {
    if (reached !== null && id > reached) rest.push(id);
    else if (!out.has(id)) out.set(id, null);
  }
  return rest;
}

/** Every schedule state, for the engine's start-up (small records, one list). */
export async function listScheduleStates(
  kv: Deno.Kv,
): Promise<Map<string, { state: ScheduleState; versionstamp: string }>> {
  const out = new Map<string, { state: ScheduleState; versionstamp: string }>();
  for await (const e of kv.list<ScheduleState>({ prefix: SCHEDULE_STATE_PREFIX })) {
    out.set(e.key[2] as string, { state: e.value, versionstamp: e.versionstamp });
  }
  return out;
}

/** The schedules version counter (changes whenever any schedule is written). */
export async function schedulesVersion(kv: Deno.Kv): Promise<bigint> {
  const v = await kv.get<Deno.KvU64>(SCHEDULES_VERSION_KEY);
  return v.value?.value ?? 0n;
}
