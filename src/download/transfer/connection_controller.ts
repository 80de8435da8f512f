/**
 * How many connections a split download uses: it starts with a few and adds more while the
 * total rate still rises the way more connections should make it (a CDN capping each
 * connection), stops adding when it does not (the link is full), and drops back to the
 * count before when adding made it clearly slower. The ramp itself is the one the file
 * workers use too (adaptive_ramp.ts); this fits it to connections.
 *
 * A step's rate is measured from `settleMs` after the step once every new connection has its
 * first bytes (a round trip, a first byte), over `windowMs` and at least 1 MiB per connection
 * (400 ms at most): the rate shows after a few hundred KB per connection. The step is kept when the rate grew by at least half of what the added
 * connections would add at the earlier per-connection rate. Steps double the count, or
 * quadruple it after a step whose connections each brought their full share.
 *
 * @example
 * ```ts
 * const control = new ConnectionController({ max: 8 });
 * const decision = control.observe(performance.now(), bytesReceived);
 * if (decision.add) openConnections(decision.add);
 * ```
 * @module
 */
import { AdaptiveRamp, RampedCount } from "./adaptive_ramp.ts";

/** Connections a split download starts with. */
export const INITIAL_CONNECTIONS = 4;
/** Time new connections get, once they have their first bytes, before their rate counts. */
export const CONNECTION_SETTLE_MS = 50;
/** Shortest rate measurement: it ends once every connection has moved {@link WINDOW_BYTES}. */
export const CONNECTION_WINDOW_MS = 100;
/** Longest rate measurement (a slow link: few bytes per connection). */
export const CONNECTION_LONG_WINDOW_MS = 400;
/** Bytes per connection a window needs to end before the longest: a few socket reads each. */
export const WINDOW_BYTES = 1024 * 1024;

/** Options of {@link ConnectionController}. */
interface ControllerOptions {
  /** Most connections (the `--connections` limit, or fewer for a small file). */
  max: number;
  /** Connections to start with (default {@link INITIAL_CONNECTIONS}). */
  initial?: number;
  settleMs?: number;
  windowMs?: number;
}

/** What to do after a sample: open `add` more connections, or retire `drop` of them. */
export interface Decision {
  add: number;
  drop: number;
}

/** The adaptive connection count of one download. */
export class ConnectionController extends RampedCount {
  /** Starts at `initial` (at most `max`) connections. */
  constructor(options: ControllerOptions) {
    super(
      new AdaptiveRamp({
        max: options.max,
        initial: options.initial ?? INITIAL_CONNECTIONS,
        settleMs: options.settleMs ?? CONNECTION_SETTLE_MS,
        windowMs: options.windowMs ?? CONNECTION_WINDOW_MS,
        longWindowMs: Math.max(options.windowMs ?? 0, CONNECTION_LONG_WINDOW_MS),
        enough: (_ms, [bytes], connections) => bytes >= connections * WINDOW_BYTES,
        requiredGain: 0.5,
        growth: 2,
        fastGrowth: 4,
      }),
    );
  }

  /**
   * Takes a sample (`bytes`: all received so far, over all connections; `ready`: every open
   * connection has had its first bytes) and decides.
   */
  observe(nowMs: number, bytes: number, ready = true): Decision {
    const { add, drop } = this.ramp.observe(nowMs, [bytes], ready);
    return { add, drop };
  }
}
