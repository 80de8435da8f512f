/**
 * The Schedule and Run records of DESIGN.md (Schedules, Runs). Types only, shared by the
 * engine, the store and the API.
 * @module
 */

/** When a schedule fires. */
export type Trigger =
  | { type: "cron"; expression: string; timezone?: string }
  | { type: "interval"; every: string; startAt?: string }
  | { type: "once"; at: string };

/** One daily window, `HH:MM` wall-clock in the window's zone; `days` name the starting day. */
export interface WindowRange {
  start: string;
  end: string;
  days?: Weekday[];
}

/** Lower-case three-letter weekday names. */
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** A schedule's time window (issue: time windows). */
export interface TimeWindow {
  windows: WindowRange[];
  timezone?: string;
  onEnd?: "continue" | "pause";
}

/** Retry of failed attempts: exponential backoff with ±20% jitter. */
export interface RetryPolicy {
  attempts: number;
  backoff: string;
  factor: number;
  maxBackoff: string;
}

/** Where a run's files go. */
export type Layout = "hf-cache" | "local-dir";

/** What a schedule (or a one-off download) pulls. */
export interface DownloadSpec {
  source: string;
  include: string[];
  exclude: string[];
  layout: Layout;
  /** Target directory for `local-dir`, or the cache root override for `hf-cache`. */
  dir?: string;
  /** Expected SHA-256 (hex) of a URL source. */
  sha256?: string;
  /** File name for a URL source. */
  filename?: string;
  connections?: number;
  /**
   * This transfer's bandwidth limit, rclone syntax: a rate (`10M`) or a timetable
   * (`"08:00,512k 23:00,off"`, steps in the server's zone). Under the global `--bwlimit`.
   */
  bandwidth?: string;
  /**
   * Which present files are hashed again before they count as present: `"changed"` (default:
   * those whose size, mtime or inode differ from the record) or `"always"` (every file).
   */
  verify?: "changed" | "always";
  /**
   * hf-cache: after a successful run, keep only this many snapshots of the repo (newest by when
   * nightpull first saw the commit, plus any a ref names) and the blobs they use.
   */
  keepRevisions?: number;
  /** local-dir: after a successful run, delete files nightpull wrote that the commit lacks. */
  prune?: boolean;
  /** Not a download: a cache task run like one (`POST /cache/verify`), followed the same way. */
  task?: CacheTask;
}

/** A cache verification run: re-hash the blobs of `repos` (all when empty), repair or not. */
export interface CacheTask {
  kind: "cache-verify";
  /** `org/name` or `datasets/org/name`. */
  repos: string[];
  repair: boolean;
}

/** Lifecycle states of a schedule. */
export type ScheduleStatus = "active" | "paused" | "completed" | "deleted";

/** A stored schedule. `webhook.secret` is stored but never shown (`"***"`). */
export interface Schedule extends DownloadSpec {
  id: string;
  /** Unique among schedules that are not deleted. */
  name: string;
  /** Free text for people; never interpreted. */
  description?: string;
  /** Tags to filter by (`?label=team:nlp`), e.g. `{"team": "nlp"}`. */
  labels?: Record<string, string>;
  /**
   * 1-10 (records older than the field: 5). When `--max-downloads` holds runs back, higher
   * priorities start first, then earlier due times.
   */
  priority?: number;
  trigger: Trigger;
  timeWindow?: TimeWindow;
  retry: RetryPolicy;
  misfireGrace: string;
  overlap: "skip" | "queue";
  webhook?: { url: string; secret?: string };
  status: ScheduleStatus;
  createdAt: string;
  updatedAt: string;
}

/** Run states. */
export type RunStatus =
  | "pending"
  | "running"
  | "waiting_window"
  | "succeeded"
  | "failed"
  | "skipped"
  | "cancelled";

/** One occurrence's record in the history. */
export interface Run {
  id: string;
  scheduleId: string | null;
  plannedAt: string;
  trigger: "schedule" | "manual" | "retry" | "catchup";
  status: RunStatus;
  reason: "outside_window" | "missed" | "overlap" | "interrupted" | "offline" | null;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  commit: string | null;
  files: { total: number; done: number; skipped: number };
  bytes: number;
  error: { code: string; message: string } | null;
  /** The schedule's (or one-off download's) source, for display. */
  source?: string;
  /** When a `pending` run may start: after a retry's backoff; null while queued behind another. */
  dueAt?: string | null;
  /** Earlier attempts of this run (a retry is the same record with `attempt` incremented). */
  previousAttempts?: RunAttempt[];
  /** On a `skipped`/`missed` record: how many occurrences were missed, first and last. */
  missed?: { count: number; first: string; last: string };
  /** Outcome of the run-end webhook, when the schedule has one. */
  webhook?: WebhookDelivery;
  /**
   * On a `skipped`/`outside_window` or `waiting_window` run: when the window opens next
   * (null when it never does).
   */
  nextOpen?: string | null;
  /** A manual run forced outside its window: it ignores the window (no pause at its end). */
  forced?: boolean;
  /** Its schedule's (or one-off download's) priority when it was created (absent: 5). */
  priority?: number;
}

/** One finished attempt of a run, kept when the run is retried. */
export interface RunAttempt {
  attempt: number;
  startedAt: string | null;
  finishedAt: string;
  error: { code: string; message: string } | null;
}

/** Delivery state of a run-end webhook. */
export interface WebhookDelivery {
  status: "pending" | "delivered" | "failed";
  attempts: number;
  deliveredAt?: string;
  /** HTTP status of the last response, when there was one. */
  httpStatus?: number;
  error?: string;
}
