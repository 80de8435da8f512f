/**
 * Per-connection supervision: a connection that receives no bytes for `stallTimeoutMs` is
 * aborted (and then resumed by the retry loop), and a user abort first asks the reader to
 * stop at the next chunk — so bytes already in hand are written — before cutting the
 * connection after a short grace period. One timer per download, not one per read.
 *
 * @example
 * ```ts
 * const watchdog = new StallWatchdog(30_000);
 * const watch = watchdog.watch(userSignal);
 * await fetch(url, { signal: watch.signal }); // touch() on every chunk, end() when done
 * watchdog.dispose();
 * ```
 * @module
 */

/** How long a user abort waits for the in-flight read before cutting the connection. */
export const ABORT_GRACE_MS = 200;

/** One supervised connection. */
export class ConnectionWatch {
  /** Abort signal for the request: fires on stall or after the abort grace period. */
  readonly signal: AbortSignal;
  /** True once the watchdog cut this connection for silence. */
  stalled = false;
  lastActivity: number;
  #controller = new AbortController();
  #user: AbortSignal;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #onUserAbort = () => {
    this.#grace = setTimeout(() => this.#controller.abort(this.#user.reason), ABORT_GRACE_MS);
  };
  #release: (watch: ConnectionWatch) => void;

  constructor(user: AbortSignal, now: number, release: (watch: ConnectionWatch) => void) {
    this.signal = this.#controller.signal;
    this.#user = user;
    this.lastActivity = now;
    this.#release = release;
    if (user.aborted) this.#controller.abort(user.reason);
    else user.addEventListener("abort", this.#onUserAbort, { once: true });
  }

  /** True once the user asked to stop: finish the current chunk, then stop reading. */
  get stopping(): boolean {
    return this.#user.aborted;
  }

  /** Records activity (call on every chunk received). */
  touch(now: number): void {
    this.lastActivity = now;
  }

  /** Cuts the connection as stalled. */
  stall(): void {
    this.stalled = true;
    this.#controller.abort(new DOMException("connection stalled", "TimeoutError"));
  }

  /** Stops supervising; call when the connection's body is finished or abandoned. */
  end(): void {
    this.#user.removeEventListener("abort", this.#onUserAbort);
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    this.#grace = undefined;
    this.#release(this);
  }
}

/** Watches every open connection of one download for silence. */
export class StallWatchdog {
  readonly timeoutMs: number;
  #watches = new Set<ConnectionWatch>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #now: () => number;

  constructor(timeoutMs: number, now: () => number = () => performance.now()) {
    this.timeoutMs = timeoutMs;
    this.#now = now;
  }

  /** Current time on the watchdog's clock. */
  now(): number {
    return this.#now();
  }

  /** Starts supervising a new connection tied to the user's `signal`. */
  watch(signal: AbortSignal): ConnectionWatch {
    const watch = new ConnectionWatch(signal, this.#now(), (w) => this.#remove(w));
    this.#watches.add(watch);
    if (this.#timer === undefined) {
      const period = Math.max(10, Math.min(1000, Math.floor(this.timeoutMs / 4)));
      this.#timer = setInterval(() => this.#check(), period);
    }
    return watch;
  }

  /** Stops the timer; remaining watches are no longer supervised. */
  dispose(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#watches.clear();
  }

  #remove(watch: ConnectionWatch): void {
    this.#watches.delete(watch);
    if (this.#watches.size === 0) this.dispose();
  }

  #check(): void {
    const now = this.#now();
    for (const watch of this.#watches) {
      if (!watch.stalled && now - watch.lastActivity > this.timeoutMs) watch.stall();
    }
  }
}
