/**
 * The only code that touches Deno KV.
 *
 * Key layout (every key starts with "np" so a shared KV can hold other things too):
 * - ["np", "manifest", <sourceKey>, <localPath>]   -> ManifestEntry (one downloaded file;
 *   sourceKey = source without revision, localPath = absolute path on disk)
 *
 * Schedules and runs (schedules.ts, schedule_list.ts, schedule_delete.ts, runs.ts, claims.ts,
 * leases.ts; builders in keys.ts):
 * - ["np", "schedules", id]                        -> Schedule (with its webhook secret)
 * - ["np", "schedules_by_status", status, id]      -> null (index for ?status=)
 * - ["np", "schedule_state", id]                   -> ScheduleState {cursor, nextAt,
 *   activeRunId, queuedRunId}: the engine arms its timer from these small records
 * - ["np", "meta", "schedulesVersion"]             -> KvU64, summed on every schedule write
 * - ["np", "meta", "runsVersion"]                  -> KvU64, summed when a run becomes pending
 *   (other processes poll both counters every second; kv.watch does not cross processes)
 * - ["np", "runs", runId]                          -> Run (final ones expireIn historyDays)
 * - ["np", "runs_by_schedule", scheduleId | "_downloads", runId] -> null (newest first with
 *   reverse: ids sort by time; capped at RUNS_PER_SCHEDULE_CAP per schedule)
 * - ["np", "runs_active", runId]                   -> ActiveRun {scheduleId, status, dueAt}
 *   for every run not yet final (pending, running, waiting_window: dueAt = next opening)
 * - ["np", "downloads", runId]                     -> OneOffSpec of a POST /downloads run
 * - ["np", "stats", scheduleId, counter]           -> KvU64 (runs, succeeded, failed, skipped,
 *   durationMs, timed), summed in the operation that makes a run final
 * - ["np", "claims", scheduleId, plannedAtMs]      -> {owner, at}, expireIn 3 days: created
 *   with check(versionstamp null) so each occurrence is handled once across processes
 * - ["np", "lease", runId]                         -> Lease {owner, expiresAt} of a running
 *   run, renewed while it runs; expiry is in the value (expireIn deletion is lazy)
 * - ["np", "schedule_names", name]                 -> id of the schedule (not deleted) of that
 *   name, set atomically with it: names are unique (schedule_names.ts)
 * - ["np", "meta", "nameIndexReady"]               -> true once older schedules are indexed
 * - ["np", "declared", name]                       -> schedule id of a schedule the config
 *   file declares under that name (declared.ts), set atomically with its creation
 *
 * - ["np", "sessions", sha256(sessionId)]          -> SessionRecord {csrf, expiresAt, tokenTag}
 *   of a signed-in dashboard browser (sessions.ts), expireIn its lifetime
 *
 * Sections below are added by the modules that own them; keep this list complete.
 * @module
 */
export * from "./open_kv.ts";
export * from "./commit.ts";
export * from "./manifest.ts";
export * from "./ids.ts";
export * from "./keys.ts";
export * from "./page.ts";
export * from "./schedules.ts";
export * from "./schedule_list.ts";
export * from "./schedule_delete.ts";
export * from "./runs.ts";
export * from "./claims.ts";
export * from "./leases.ts";
export * from "./declared.ts";
export * from "./recent_runs.ts";
export * from "./sessions.ts";
export * from "./schedule_names.ts";
