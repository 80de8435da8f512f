/**
 * The symlink guard for the checks before each file of a pull: a sweep renewed every second,
 * so thousands of tiny files do not each `lstat` every folder above them again. The fetcher's
 * own checks right before its writes and rename use the guard itself.
 *
 * @example
 * ```ts
 * const sweeps = new GuardSweeps();
 * await sweeps.of(guard).check(path);
 * ```
 * @module
 */
import type { SymlinkGuard } from "../layout/symlink_guard.ts";

/** How long a per-file guard sweep may remember folders found real. */
const SWEEP_MS = 1000;

/** Hands out a sweep of a guard, renewed once it is older than a second. */
export class GuardSweeps {
  #sweep?: { guard: SymlinkGuard; at: number };

  /** The current sweep of `guard` (a new one after {@link SWEEP_MS}). */
  of(guard: SymlinkGuard): SymlinkGuard {
    const now = Date.now();
    if (!this.#sweep || now - this.#sweep.at > SWEEP_MS) {
      this.#sweep = { guard: guard.sweep(), at: now };
    }
    return this.#sweep.guard;
  }
}
