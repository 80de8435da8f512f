/**
 * A run's live progress computed from its pull events: per file the bytes, size, rate and
 * ETA, and run totals. Rates come from samples taken when a snapshot is made (a few times a
 * second), not per chunk, so feeding events stays a few map operations. Pure apart from the
 * instant passed to {@link RunProgressTracker.snapshot}.
 *
 * @example
 * ```ts
 * const tracker = new RunProgressTracker(run.id);
 * tracker.apply(pullEvent);
 * const view = tracker.snapshot(Date.now()); // { files: [{ path, bytes, total, rate, eta }], totals }
 * ```
 * @module
 */
import type { PullEvent } from "../../download/pull/pull.ts";

/** One file of a progress snapshot; `rate` in bytes per second, `eta` in seconds. */
export interface FileProgress {
  path: string;
  bytes: number;
  total: number | null;
  rate: number | null;
  eta: number | null;
  /** Present on files that finished since the previous snapshot. */
  done?: true;
  /** Present on a done file another process (or run) finished while this one waited for it. */
  elsewhere?: true;
}

/** What an SSE `progress` event carries. */
export interface RunProgress {
  runId: string;
  /** When the snapshot was taken (ISO 8601). */
  at: string;
  commit: string | null;
  /** Files transferring now, then those finished since the previous snapshot. */
  files: FileProgress[];
  totals: {
    /** Bytes present of the files to download (a resumed prefix counts). */
    bytes: number;
    /** Size of the files to download; null while one size is unknown. */
    total: number | null;
    rate: number | null;
    eta: number | null;
    files: { total: number; done: number; skipped: number };
  };
}

interface Sample {
  t: number;
  bytes: number;
}

interface TrackedFile {
  size: number | null;
  bytes: number;
  /** A first report seen: later growth is transfer, the first one may be a resumed prefix. */
  seen: boolean;
  done: boolean;
  samples: Sample[];
}

/** Rates are averaged over this much recent time. */
const RATE_WINDOW_MS = 3000;
/** Most finished files listed in one snapshot (the totals count all of them). */
const MAX_DONE_LISTED = 64;

function addSample(samples: Sample[], t: number, bytes: number): void {
  const last = samples[samples.length - 1];
  if (last && last.t === t) last.bytes = bytes;
  else samples.push({ t, bytes });
  while (samples.length > 2 && t - samples[1].t >= RATE_WINDOW_MS) samples.shift();
}

function rateOf(samples: Sample[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const dt = last.t - first.t;
  return dt > 0 ? Math.max(0, ((last.bytes - first.bytes) * 1000) / dt) : null;
}

function etaOf(bytes: number, total: number | null, rate: number | null): number | null {
  if (total === null) return null;
  if (bytes >= total) return 0;
  return rate ? (total - bytes) / rate : null;
}

/** Progress of one run; see the module doc. */
export class RunProgressTracker {
  readonly runId: string;
  #commit: string | null = null;
  #files = new Map<string, TrackedFile>();
  #active = new Set<string>();
  #recentlyDone: FileProgress[] = [];
  #count = { total: 0, done: 0, skipped: 0 };
  #size: number | null = 0;
  #bytes = 0;
  #transferred = 0;
  #samples: Sample[] = [];

  constructor(runId: string) {
    this.runId = runId;
  }

  /**
   * Feeds one pull event; a `plan` starts over (a retried attempt plans again). A file planned
   * for download that comes back `skipped` was finished by another writer: it counts as done.
   */
  apply(event: PullEvent): void {
    if (event.type === "plan") this.#plan(event);
    else if (event.type === "progress") this.#progress(event.path, event.bytes, event.total);
    else if (event.type !== "file") return;
    else if (event.status === "done") this.#done(event.path, event.bytes, false);
    else if (this.#files.get(event.path)?.done === false) {
      this.#done(event.path, event.bytes, true);
    }
  }

  /** The current view, recording a rate sample at `now` (ms since the epoch). */
  snapshot(now: number): RunProgress {
    addSample(this.#samples, now, this.#transferred);
    const files: FileProgress[] = [];
    for (const path of this.#active) {
      const f = this.#files.get(path)!;
      addSample(f.samples, now, f.bytes);
      const rate = rateOf(f.samples);
      files.push({ path, bytes: f.bytes, total: f.size, rate, eta: etaOf(f.bytes, f.size, rate) });
    }
    files.push(...this.#recentlyDone);
    this.#recentlyDone = [];
    const rate = rateOf(this.#samples);
    return {
      runId: this.runId,
      at: new Date(now).toISOString(),
      commit: this.#commit,
      files,
      totals: {
        bytes: this.#bytes,
        total: this.#size,
        rate,
        eta: etaOf(this.#bytes, this.#size, rate),
        files: { ...this.#count },
      },
    };
  }

  #plan(event: Extract<PullEvent, { type: "plan" }>): void {
    this.#commit = event.commit;
    this.#files.clear();
    this.#active.clear();
    this.#recentlyDone = [];
    const present = event.present ?? 0; // files told present by count alone
    this.#count = { total: event.files.length + present, done: 0, skipped: present };
    this.#size = 0;
    this.#bytes = 0;
    this.#transferred = 0;
    this.#samples = [];
    for (const f of event.files) {
      if (f.skip) {
        this.#count.skipped++;
        continue;
      }
      this.#files.set(f.path, { size: f.size, bytes: 0, seen: false, done: false, samples: [] });
      this.#size = this.#size === null || f.size === null ? null : this.#size + f.size;
    }
  }

  #file(path: string, total: number | null): TrackedFile {
    let f = this.#files.get(path);
    if (!f) {
      // progress without a plan entry: count it rather than lose it
      f = { size: total, bytes: 0, seen: false, done: false, samples: [] };
      this.#files.set(path, f);
      this.#count.total++;
      this.#size = this.#size === null || total === null ? null : this.#size + total;
    }
    return f;
  }

  #progress(path: string, bytes: number, total: number | null): void {
    const f = this.#file(path, total);
    if (f.size === null && total !== null) f.size = total;
    const delta = bytes - f.bytes;
    this.#bytes += delta;
    if (f.seen) this.#transferred += Math.max(0, delta);
    f.bytes = bytes;
    if (!f.seen) {
      f.seen = true;
      this.#active.add(path);
    }
  }

  #done(path: string, bytes: number, elsewhere: boolean): void {
    const f = this.#file(path, bytes);
    if (f.done) return; // counted once, however often it is reported
    if (elsewhere) return this.#doneElsewhere(path, f, bytes);
    const delta = bytes - f.bytes;
    this.#bytes += delta;
    if (f.seen) this.#transferred += Math.max(0, delta);
    f.bytes = bytes;
    f.size ??= bytes;
    f.seen = true;
    f.done = true;
    this.#active.delete(path);
    this.#count.done++;
    if (this.#recentlyDone.length < MAX_DONE_LISTED) {
      const listed: FileProgress = { path, bytes, total: f.size, rate: null, eta: 0, done: true };
      this.#recentlyDone.push(elsewhere ? { ...listed, elsewhere: true } : listed);
    }
  }

  /**
   * A planned file another writer finished: done for the file count, but its bytes are not
   * this run's, so they leave both the run's bytes and its planned total.
   */
  #doneElsewhere(path: string, f: TrackedFile, bytes: number): void {
    this.#bytes -= f.bytes;
    if (this.#size !== null && f.size !== null) this.#size -= f.size;
    f.done = true;
    this.#active.delete(path);
    this.#count.done++;
    if (this.#recentlyDone.length < MAX_DONE_LISTED) {
      this.#recentlyDone.push({
        path,
        bytes,
        total: f.size ?? bytes,
        rate: null,
        eta: 0,
        done: true,
        elsewhere: true,
      });
    }
  }
}
