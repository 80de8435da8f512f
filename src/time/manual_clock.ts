/**
 * A {@link Clock} that moves only when told: tests set the time, then `advance()` fires every
 * timer that came due, in due order, each with `now()` at its own due time.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));
 * clock.setTimer(() => console.log(clock.now()), 500);
 * clock.advance(1000); // logs 1772323200500
 * ```
 * @module
 */
import type { Clock } from "./clock.ts";

interface PendingTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock for tests; see the module doc. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  constructor(startMs: number) {
    this.#now = startMs;
  }

  /** Current manual time. */
  now(): number {
    return this.#now;
  }

  /** Registers a timer due at `now() + delayMs`. */
  setTimer(fn: () => void, delayMs: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, delayMs), fn });
    return id;
  }

  /** Cancels a timer. */
  clearTimer(id: number): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the earliest pending timer, or null. */
  nextTimerAt(): number | null {
    let min: number | null = null;
    for (const t of this.#timers) if (min === null || t.at < min) min = t.at;
    return min;
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they add fire too). */
  advance(ms: number): void {
    this.set(this.#now + ms);
  }

  /** Moves time to `targetMs` (never backwards past due timers), firing due timers in order. */
  set(targetMs: number): void {
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= targetMs && (next === undefined || t.at < next.at)) next = t;
      }
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = targetMs;
  }

  /** Jumps to `targetMs` without firing anything first (a wall-clock jump or a sleep). */
  jump(targetMs: number): void {
    this.#now = targetMs;
  }
}
