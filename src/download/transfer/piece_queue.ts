/**
 * The pieces of a multi-connection download, handed out in file order. A piece is taken by
 * one connection, which moves its `at` forward as bytes land.
 *
 * @example
 * ```ts
 * const queue = new PieceQueue(splitIntoPieces(missing, size));
 * for (let piece = queue.take(); piece; piece = queue.take()) await run(piece);
 * ```
 * @module
 */
import type { ByteRange } from "./range_plan.ts";

/** A range one connection works on: `[at, end)` is still to come. */
export interface Piece {
  readonly start: number;
  /** Next byte to receive. */
  at: number;
  /** Exclusive end. */
  end: number;
}

/** Pieces still to hand out. */
export class PieceQueue {
  #waiting: ByteRange[];

  /** Hands out `pieces` in the order given. */
  constructor(pieces: readonly ByteRange[]) {
    this.#waiting = pieces.map((p) => ({ ...p }));
  }

  /** Pieces not handed out yet. */
  get length(): number {
    return this.#waiting.length;
  }

  /** The next piece, or undefined when all were handed out. */
  take(): Piece | undefined {
    const next = this.#waiting.shift();
    return next && { start: next.start, at: next.start, end: next.end };
  }
}
