/**
 * One live view's queue of run events, bounded whatever the reader does: a newer `progress`
 * replaces a queued one (progress is a snapshot, only the latest matters), while `state` and
 * `end` are never dropped (a run has few of them). A reader that stops reading therefore
 * holds at most `limit` progress snapshots plus its run's state changes, and never slows the
 * download that feeds it.
 *
 * @example
 * ```ts
 * const sub = new RunSubscription(runId);
 * for (let e = await sub.next(); e; e = await sub.next()) send(e.event, e.data);
 * ```
 * @module
 */
import type { RunProgress } from "../../schedule/engine/run_progress.ts";
import type { Run } from "../../store/records.ts";

/** What a live view of a run receives, in order. */
export type RunStreamEvent =
  | { event: "state"; data: Run }
  | { event: "progress"; data: RunProgress }
  | { event: "end"; data: Run };

/** Default most events queued for one reader before older progress is dropped. */
export const QUEUE_LIMIT = 16;

/** A bounded, coalescing queue of one reader; see the module doc. */
export class RunSubscription {
  readonly runId: string;
  readonly #limit: number;
  readonly #onClose: (sub: RunSubscription) => void;
  #queue: RunStreamEvent[] = [];
  #wake: (() => void) | null = null;
  #lastState: string | null = null;
  #ended = false;
  #closed = false;
  /** Progress snapshots replaced or dropped before this reader took them. */
  dropped = 0;
  /** Most events this queue ever held at once. */
  highWater = 0;
  /** Events the reader took. */
  taken = 0;

  constructor(
    runId: string,
    limit = QUEUE_LIMIT,
    onClose: (sub: RunSubscription) => void = () => {},
  ) {
    this.runId = runId;
    this.#limit = Math.max(2, limit);
    this.#onClose = onClose;
  }

  /** Events waiting to be read. */
  get queued(): number {
    return this.#queue.length;
  }

  /** True once a state was queued (a snapshot is then not needed). */
  get hasState(): boolean {
    return this.#lastState !== null;
  }

  /** True once `end` was queued or the reader closed. */
  get finished(): boolean {
    return this.#ended || this.#closed;
  }

  /** Queues a state change; a repeat of the last one (same status and attempt) is ignored. */
  pushState(run: Run, options: { first?: boolean } = {}): void {
    if (this.finished) return;
    const key = `${run.status} ${run.attempt}`;
    if (key === this.#lastState) return;
    this.#lastState = key;
    const event: RunStreamEvent = { event: "state", data: run };
    if (options.first) this.#queue.unshift(event);
    else this.#queue.push(event);
    this.#grew();
  }

  /** Queues a progress snapshot, replacing one queued right before it. */
  pushProgress(progress: RunProgress): void {
    if (this.finished) return;
    const last = this.#queue[this.#queue.length - 1];
    if (last?.event === "progress") {
      this.#queue[this.#queue.length - 1] = { event: "progress", data: progress };
      this.dropped++;
      this.#wakeReader();
      return;
    }
    this.#queue.push({ event: "progress", data: progress });
    if (this.#queue.length > this.#limit) {
      const oldest = this.#queue.findIndex((e) => e.event === "progress");
      if (oldest >= 0 && oldest < this.#queue.length - 1) {
        this.#queue.splice(oldest, 1);
        this.dropped++;
      }
    }
    this.#grew();
  }

  /** Queues the final state (if new) and `end`; the reader gets null after them. */
  pushEnd(run: Run): void {
    if (this.finished) return;
    this.pushState(run);
    this.#queue.push({ event: "end", data: run });
    this.#ended = true;
    this.#grew();
  }

  /** The next event, waiting for one; null once `end` was read or the reader closed. */
  async next(): Promise<RunStreamEvent | null> {
    while (!this.#closed) {
      const event = this.#queue.shift();
      if (event) {
        this.taken++;
        return event;
      }
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    return null;
  }

  /** The reader is gone: drops the queue and detaches from the hub. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#wakeReader();
    this.#onClose(this);
  }

  #grew(): void {
    if (this.#queue.length > this.highWater) this.highWater = this.#queue.length;
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
