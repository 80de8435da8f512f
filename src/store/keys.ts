/**
 * Key builders (and list prefixes) of every record nightpull keeps in KV, in one place so the
 * layout in ./mod.ts is the whole truth and no module spells a key twice.
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
const DOWNLOADS_OWNER = "_downloads";
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

/** Prefix of every schedule: `["np","schedules"]`. */
export const SCHEDULES_PREFIX: Deno.KvKey = ["np", "schedules"];
/** Prefix of the status index of one status: `["np","schedules_by_status",status]`. */
export const scheduleStatusPrefix = (status: string): Deno.KvKey => [
  "np",
  "schedules_by_status",
  status,
];
/** Prefix of every schedule's engine state: `["np","schedule_state"]`. */
export const SCHEDULE_STATE_PREFIX: Deno.KvKey = ["np", "schedule_state"];
/** Prefix of every run: `["np","runs"]`. */
export const RUNS_PREFIX: Deno.KvKey = ["np", "runs"];
/** Prefix of one owner's run index: `["np","runs_by_schedule",scheduleId|"_downloads"]`. */
export const runsBySchedulePrefix = (scheduleId: string | null): Deno.KvKey => [
  "np",
  "runs_by_schedule",
  scheduleId ?? DOWNLOADS_OWNER,
];
/** Prefix of every run not yet final: `["np","runs_active"]`. */
export const ACTIVE_RUNS_PREFIX: Deno.KvKey = ["np", "runs_active"];
/** Prefix of one schedule's counters: `["np","stats",scheduleId]`. */
export const statsPrefix = (scheduleId: string): Deno.KvKey => ["np", "stats", scheduleId];

/** `["np","manifest",sourceKey,localPath]` -> ManifestEntry. */
export const manifestKey = (source: string, localPath: string): Deno.KvKey => [
  "np",
  "manifest",
  source,
  localPath,
];
/** Prefix of the manifest, of one source's records when `source` is given. */
export const manifestPrefix = (source?: string): Deno.KvKey =>
  source === undefined ? ["np", "manifest"] : ["np", "manifest", source];
/** `["np","commits_seen",repoFolder,commit]` -> epoch ms of the commit's first sighting. */
export const commitSeenKey = (repoFolder: string, commit: string): Deno.KvKey => [
  "np",
  "commits_seen",
  repoFolder,
  commit,
];
/** Prefix of one repo's first sightings: `["np","commits_seen",repoFolder]`. */
export const commitsSeenPrefix = (repoFolder: string): Deno.KvKey => [
  "np",
  "commits_seen",
  repoFolder,
];
/** `["np","sessions",sha256(sessionId) hex]` -> SessionRecord. */
export const sessionKey = (digest: string): Deno.KvKey => ["np", "sessions", digest];
/** `["np","declared",name]` -> schedule id. */
export const declaredKey = (name: string): Deno.KvKey => ["np", "declared", name];
/** `["np","ping"]`: read (never written) to learn whether the KV answers. */
export const PING_KEY: Deno.KvKey = ["np", "ping"];
