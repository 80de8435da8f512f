/**
 * Key builders of the schedule, run, claim and lease records, in one place so the layout in
 * ./mod.ts is the whole truth and no module spells a key twice.
 * @module
 */

/** `["np","schedules",id]` -> Schedule. */
export const scheduleKey = (id: string): Deno.KvKey => ["np", "schedules", id];
/** `["np","schedules_by_status",status,id]` -> null (index). */
export const scheduleStatusKey = (status: string, id: string): Deno.KvKey => [
  "np",
  "schedules_by_status",
  status,
  id,
];
/** `["np","schedule_state",id]` -> ScheduleState (the engine's cursor and next time). */
export const scheduleStateKey = (id: string): Deno.KvKey => ["np", "schedule_state", id];
/** Bumped on every schedule write; other processes poll it to learn about changes. */
export const SCHEDULES_VERSION_KEY: Deno.KvKey = ["np", "meta", "schedulesVersion"];
/** Bumped whenever a run becomes startable (pending) so other processes rescan. */
export const RUNS_VERSION_KEY: Deno.KvKey = ["np", "meta", "runsVersion"];

/** `["np","runs",runId]` -> Run. */
export const runKey = (id: string): Deno.KvKey => ["np", "runs", id];
/** Owner of one-off downloads in the per-schedule run index. */
export const DOWNLOADS_OWNER = "_downloads";
/** `["np","runs_by_schedule",scheduleId|"_downloads",runId]` -> null (newest-first index). */
export const runByScheduleKey = (scheduleId: string | null, runId: string): Deno.KvKey => [
  "np",
  "runs_by_schedule",
  scheduleId ?? DOWNLOADS_OWNER,
  runId,
];
/** `["np","runs_active",runId]` -> ActiveRun (every run not yet final). */
export const activeRunKey = (id: string): Deno.KvKey => ["np", "runs_active", id];
/** `["np","downloads",runId]` -> OneOffSpec (spec and webhook of a one-off download). */
export const oneOffKey = (runId: string): Deno.KvKey => ["np", "downloads", runId];
/** `["np","stats",scheduleId,counter]` -> Deno.KvU64. */
export const statsKey = (scheduleId: string, counter: string): Deno.KvKey => [
  "np",
  "stats",
  scheduleId,
  counter,
];
/** `["np","claims",scheduleId,plannedAtMs]` -> Claim. */
export const claimKey = (scheduleId: string, plannedAt: number): Deno.KvKey => [
  "np",
  "claims",
  scheduleId,
  plannedAt,
];
/** `["np","lease",runId]` -> Lease. */
export const leaseKey = (runId: string): Deno.KvKey => ["np", "lease", runId];
/** `["np","schedule_names",name]` -> id of the schedule (not deleted) that has that name. */
export const scheduleNameKey = (name: string): Deno.KvKey => ["np", "schedule_names", name];
/** Set once the name index holds every schedule written before it existed. */
export const NAME_INDEX_READY_KEY: Deno.KvKey = ["np", "meta", "nameIndexReady"];
