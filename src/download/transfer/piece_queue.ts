/**
 * The pieces of a multi-connection download, handed out in file order. Once none is left, a
 * connection that asks for more steals the tail of the range with the longest time still to
 * go (its bytes left at its own rate), so no straggler holds the download up at its end: the
 * split lets both finish together at their rates, and leaves the victim everything it may
 * already be reading. A piece that has received nothing yet is not robbed: nothing says it is
 * slow, and the bytes already on their way to it would be sent twice.
 *
 * @example
 * ```ts
 * const queue = new PieceQueue(splitIntoPieces(missing, size));
 * for (let piece = queue.take(id); piece; piece = queue.take(id)) {
 *   await run(piece); // moves piece.received / piece.at forward; piece.end may shrink
 *   queue.done(piece);
 * }
 * ```
 * @module
 */
import { type ByteRange, MIN_PIECE_SIZE } from "./range_plan.ts";

/** The smallest tail worth a new request: smaller tails are left to their connection. */
const MIN_STEAL_BYTES = 512 * 1024;
/**
 * Bytes past what a victim has received that it keeps in any case: a socket read in flight
 * (at most the connection's scratch size) lands before the victim notices its shorter end.
 */
export const STEAL_MARGIN = 256 * 1024;

/** A range one connection works on: `[at, end)` is still to be written. */
export interface Piece {
  readonly start: number;
  /** Next byte to write (bytes before it are written). */
  at: number;
  /** Next byte to receive (at plus what the connection holds unwritten). */
  received: number;
  /** Exclusive end; shrinks when another connection steals the tail. */
  end: number;
  /** When the piece was handed out (the queue's clock), for its rate. */
  readonly takenMs: number;
}

/** Options of {@link PieceQueue}. */
interface PieceQueueOptions {
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
  /** Smallest tail stolen (default {@link MIN_STEAL_BYTES}). */
  minSteal?: number;
}

/** Pieces still to hand out, and the ones being worked on. */
export class PieceQueue {
  #waiting: ByteRange[];
  readonly #active = new Set<Piece>();
  readonly #now: () => number;
  readonly #minSteal: number;
  /** Tails stolen so far. */
  steals = 0;

  /** Hands out `pieces` in the order given. */
  constructor(pieces: readonly ByteRange[], options: PieceQueueOptions = {}) {
    this.#waiting = pieces.map((p) => ({ ...p }));
    this.#now = options.now ?? (() => performance.now());
    this.#minSteal = Math.max(MIN_PIECE_SIZE, options.minSteal ?? MIN_STEAL_BYTES);
  }

  /** Pieces not handed out yet. */
  get length(): number {
    return this.#waiting.length;
  }

  /**
   * The next piece, else a stolen tail, else undefined (nothing left worth taking). `rate` is
   * the asking connection's bytes per ms so far, when it knows one.
   */
  take(rate?: number): Piece | undefined {
    const next = this.#waiting.shift() ?? this.#steal(rate);
    if (!next) return undefined;
    const piece = { ...next, at: next.start, received: next.start, takenMs: this.#now() };
    this.#active.add(piece);
    return piece;
  }

  /** The connection is done with `piece` (finished, or failed for good); returns its rate. */
  done(piece: Piece): number | undefined {
    this.#active.delete(piece);
    return this.#rate(piece);
  }

  /** Bytes per ms a piece has been received at, undefined before anything arrived. */
  #rate(piece: Piece): number | undefined {
    const elapsed = this.#now() - piece.takenMs;
    const got = piece.received - piece.start;
    return got > 0 && elapsed > 0 ? got / elapsed : undefined;
  }

  /** Cuts the tail off the active piece that will take longest to finish. */
  #steal(thiefRate: number | undefined): ByteRange | undefined {
    let victim: Piece | undefined;
    let longest = -1;
    for (const piece of this.#active) {
      const left = piece.end - piece.received;
      if (left < 2 * this.#minSteal) continue;
      const rate = this.#rate(piece);
      if (rate === undefined) continue; // just started: nothing says it is slow yet
      const time = left / rate;
      if (time > longest) {
        victim = piece;
        longest = time;
      }
    }
    if (!victim) return undefined;
    const split = this.#splitPoint(victim, thiefRate);
    if (split === undefined) return undefined;
    const tail = { start: split, end: victim.end };
    victim.end = split;
    this.steals++;
    return tail;
  }

  /**
   * Where to cut `victim` so both sides finish together: it keeps its share of what is left
   * by rate (half when the thief's rate is unknown), at least {@link STEAL_MARGIN} past what it received.
   */
  #splitPoint(victim: Piece, thiefRate: number | undefined): number | undefined {
    const left = victim.end - victim.received;
    const rate = this.#rate(victim);
    const share = rate !== undefined && thiefRate !== undefined && thiefRate > 0
      ? rate / (rate + thiefRate)
      : 0.5;
    const keep = Math.max(STEAL_MARGIN, Math.ceil(left * share));
    const cut = Math.ceil((victim.received + keep) / MIN_PIECE_SIZE) * MIN_PIECE_SIZE;
    return victim.end - cut >= this.#minSteal ? cut : undefined;
  }
}
