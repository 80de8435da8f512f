/**
 * Keeps the lease of a run this process executes: renewed every third of its length while
 * the run goes on. A lease found gone means another process took the run over (its owner
 * died for the sweep): the transfer is aborted and nothing is written back.
 *
 * @example
 * ```ts
 * keepLease({ kv, clock, log, owner, leaseMs }, run.id, handle, () => running.has(run.id));
 * ```
 * @module
 */
import type { Logger } from "../../log.ts";
import { renewLease } from "../../store/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { RunHandle } from "./run_handle.ts";

/** What renewing a lease needs. */
interface LeaseRenewalDeps {
  kv: Deno.Kv;
  clock: Clock;
  log: Logger;
  /** This process's id, the lease's owner. */
  owner: string;
  leaseMs: number;
}

/**
 * Renews the lease of run `runId` while `current()` holds (the run still executes here);
 * the renewal timer is kept in `handle.leaseTimer` so the run's end can clear it.
 */
export function keepLease(
  deps: LeaseRenewalDeps,
  runId: string,
  handle: RunHandle,
  current: () => boolean,
): void {
  const renew = () => {
    handle.leaseTimer = deps.clock.setTimer(async () => {
      handle.leaseTimer = null;
      if (!current()) return;
      try {
        const now = deps.clock.now();
        if (!(await renewLease(deps.kv, runId, deps.owner, now + deps.leaseMs))) {
          // the run ended meanwhile and released its own lease: nothing was lost
          if (handle.finished) return;
          handle.lostLease = true;
          handle.controller.abort(new DOMException("lease lost", "AbortError"));
          deps.log.warn("run.lease_lost", { runId });
          return;
        }
      } catch (err) {
        deps.log.warn("run.lease_renew_failed", { runId, error: (err as Error).message });
      }
      if (current()) renew();
    }, Math.max(1, Math.floor(deps.leaseMs / 3)));
  };
  renew();
}
