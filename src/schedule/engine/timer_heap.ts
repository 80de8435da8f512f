/**
 * A min-heap of due times keyed by string, with lazy removal: re-arming or removing a key only
 * updates a map, and stale heap entries are dropped when they surface. The engine arms one
 * timer for `peek()` instead of polling every schedule.
 *
 * @example
 * ```ts
 * const heap = new TimerHeap();
 * heap.set("s:01J...", Date.parse("2026-01-01T02:00:00Z"));
 * heap.popDue(Date.now()); // keys due by now, earliest first
 * ```
 * @module
 */

interface Slot {
  at: number;
  key: string;
}

/** Keyed min-heap of due times; see the module doc. */
export class TimerHeap {
  #heap: Slot[] = [];
  #due = new Map<string, number>();

  /** Number of armed keys. */
  get size(): number {
    return this.#due.size;
  }

  /** The due time armed for `key`, if any. */
  get(key: string): number | undefined {
    return this.#due.get(key);
  }

  /** Arms `key` at `at` (replacing an earlier arming); `null` disarms it. */
  set(key: string, at: number | null): void {
    if (at === null) {
      this.#due.delete(key);
      return;
    }
    if (this.#due.get(key) === at) return;
    this.#due.set(key, at);
    this.#push({ at, key });
    // stale entries accumulate with frequent re-arming: rebuild when they dominate
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#due.size) this.#rebuild();
  }

  /** Every armed key. */
  keys(): IterableIterator<string> {
    return this.#due.keys();
  }

  /** The earliest armed time, or null. */
  peek(): number | null {
    this.#dropStale();
    return this.#heap.length ? this.#heap[0].at : null;
  }

  /** Removes and returns the keys due at or before `now`, earliest first. */
  popDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (!top || top.at > now) break;
      this.#pop();
      this.#due.delete(top.key);
      out.push(top.key);
    }
    return out;
  }

  #dropStale(): void {
    while (this.#heap.length && this.#due.get(this.#heap[0].key) !== this.#heap[0].at) this.#pop();
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [key, at] of this.#due) this.#push({ at, key });
  }

  #push(slot: Slot): void {
    const h = this.#heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].at <= h[i].at) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (!h.length) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].at < h[m].at) m = l;
      if (r < h.length && h[r].at < h[m].at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
