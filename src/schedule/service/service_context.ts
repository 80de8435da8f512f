/**
 * What the schedule service's modules share: the store, settings, clock and logger, and the
 * call that tells the engine and listeners about a write; plus the `conflict` error of a
 * lifecycle step the schedule's status does not allow.
 *
 * @example
 * ```ts
 * const ctx: ServiceContext = { kv, config, clock, log, historyMs, changed: (id) => {} };
 * throw conflict(`cannot pause schedule "${id}": it is deleted`, id);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { NightpullError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../time/clock.ts";

/** The service's shared dependencies; see the module doc. */
export interface ServiceContext {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  log: Logger;
  /** How long final runs are kept (ms). */
  historyMs: number;
  /**
   * Tells the engine (it re-arms) and listeners that schedule `id` (none: a one-off) changed;
   * a new schedule passes `runs: false` (it has none) and its `nextAt`, sparing the engine a
   * rescan of runs and a read of the state just written.
   */
  changed: (id?: string, opts?: { runs?: boolean; nextAt?: number | null }) => void;
}

/** A `conflict` error about schedule `id`. */
export function conflict(message: string, id: string): NightpullError {
  return new NightpullError("conflict", message, { id });
}
