/**
 * The queue of due pending runs waiting for a slot (highest priority first, then earliest
 * due) and the count of slots reserved by starts in flight, so concurrent starts never exceed
 * `maxDownloads`.
 *
 * @example
 * ```ts
 * const queue = new RunQueue();
 * queue.remember(run.id, run.priority);
 * queue.add(run.id, Date.now());
 * const next = queue.next(); // the id to start
 * ```
 * @module
 */
import { DEFAULT_PRIORITY } from "../runs/run_defaults.ts";

/** Ready runs and reserved slots; see the module doc. */
export class RunQueue {
  /** Slots reserved by starts in flight. */
  #starting = 0;
  #ready: { id: string; at: number; priority: number }[] = [];
  /** Priorities of runs queued or armed here (runs older than the field have none: 5). */
  readonly #priorities = new Map<string, number>();

  /** Slots reserved by starts in flight. */
  get starting(): number {
    return this.#starting;
  }

  /** Runs waiting for a slot. */
  get length(): number {
    return this.#ready.length;
  }

  /** Reserves a slot for a run about to start. */
  reserve(): void {
    this.#starting++;
  }

  /** Gives back a slot taken with {@link RunQueue.reserve}. */
  release(): void {
    this.#starting--;
  }

  /** Remembers the priority of run `id` for when it is queued (it may be armed for later). */
  remember(id: string, priority: number): void {
    this.#priorities.set(id, priority);
  }

  /** Queues run `id`, due since `at`, with its remembered priority (or the default). */
  add(id: string, at: number): void {
    const p = this.#priorities.get(id) ?? DEFAULT_PRIORITY;
    const queued = this.#ready.find((r) => r.id === id);
    if (queued) queued.priority = p;
    else this.#ready.push({ id, at, priority: p });
    this.#ready.sort((a, b) => b.priority - a.priority || a.at - b.at);
  }

  /** Takes the run to start next out of the queue (undefined when empty). */
  next(): string | undefined {
    const first = this.#ready.shift();
    if (first) this.#priorities.delete(first.id);
    return first?.id;
  }

  /** Drops queued runs that are no longer pending anywhere (`active`: every non-final run). */
  keep(active: { has(id: string): boolean }): void {
    this.#ready = this.#ready.filter((r) => active.has(r.id));
    for (const id of this.#priorities.keys()) if (!active.has(id)) this.#priorities.delete(id);
  }
}
