/**
 * Pure byte-range arithmetic for multi-connection downloads: which parts of a file are done,
 * which are missing, how many connections a file deserves and how it is cut into pieces.
 *
 * @example
 * ```ts
 * const missing = missingRanges(100, [{ start: 0, end: 40 }]); // [{start: 40, end: 100}]
 * splitIntoPieces(missing, 25); // [40-65), [65-90), [90-100)
 * ```
 * @module
 */

/** A half-open byte range `[start, end)`. */
export interface ByteRange {
  start: number;
  end: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Smallest piece a multi-connection download requests; smaller is all round-trip overhead. */
export const MIN_PIECE_SIZE = 64 * KIB;
/** Largest piece: bounds how much one slow connection can hold up the end of a download. */
export const MAX_PIECE_SIZE = 64 * MIB;

/** Sorts, merges overlapping and adjacent ranges, and drops empty ones. */
export function normalizeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** `ranges` (normalized) plus `added`, normalized. */
export function addRange(ranges: readonly ByteRange[], added: ByteRange): ByteRange[] {
  return normalizeRanges([...ranges, added]);
}

/** The gaps of `[0, size)` not covered by `done`. */
export function missingRanges(size: number, done: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let at = 0;
  for (const r of normalizeRanges(done)) {
    if (r.start >= size) break;
    if (r.start > at) out.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }
  if (at < size) out.push({ start: at, end: size });
  return out;
}

/** Total bytes covered by `ranges`. */
export function coveredBytes(ranges: readonly ByteRange[]): number {
  return normalizeRanges(ranges).reduce((sum, r) => sum + (r.end - r.start), 0);
}

/** End of the done prefix `[0, n)`: how far the bytes can be hashed in order. */
export function contiguousEnd(ranges: readonly ByteRange[]): number {
  let end = 0;
  for (const r of normalizeRanges(ranges)) {
    if (r.start > end) break;
    end = Math.max(end, r.end);
  }
  return end;
}

/**
 * Connections worth opening for `size` bytes: at most `connections`, and never so many that a
 * connection gets less than `minSplitSize`. 1 means a plain single stream.
 */
export function connectionCount(size: number, connections: number, minSplitSize: number): number {
  if (!(size > 0) || connections <= 1) return 1;
  const bySize = Math.floor(size / Math.max(1, minSplitSize));
  return Math.max(1, Math.min(Math.floor(connections), bySize));
}

/**
 * Piece size for `size` bytes over `connections`: about four pieces per connection, so the
 * connections stay busy to the end and the in-order hash frontier stays close behind them.
 * A multiple of 64 KiB between {@link MIN_PIECE_SIZE} and {@link MAX_PIECE_SIZE}.
 */
export function pieceSize(size: number, connections: number): number {
  const raw = Math.ceil(size / Math.max(1, connections * 4));
  const rounded = Math.ceil(raw / MIN_PIECE_SIZE) * MIN_PIECE_SIZE;
  return Math.min(MAX_PIECE_SIZE, Math.max(MIN_PIECE_SIZE, rounded));
}

/** Cuts each range into pieces of at most `size` bytes, in file order. */
export function splitIntoPieces(ranges: readonly ByteRange[], size: number): ByteRange[] {
  if (!(size > 0)) throw new RangeError(`piece size must be positive, got ${size}`);
  const out: ByteRange[] = [];
  for (const r of normalizeRanges(ranges)) {
    for (let at = r.start; at < r.end; at += size) {
      out.push({ start: at, end: Math.min(r.end, at + size) });
    }
  }
  return out;
}

/** A parsed `Content-Range` header: a satisfied range (end exclusive) or `bytes *\/total`. */
type ContentRange =
  | { start: number; end: number; total: number | undefined }
  | { unsatisfied: true; total: number };

/** Parses `bytes 0-99/1000`, `bytes 0-99/*` or `bytes *\/1000`; undefined when malformed. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  const total = m[3] === "*" ? undefined : Number(m[3]);
  if (m[1] === undefined) return total === undefined ? undefined : { unsatisfied: true, total };
  const start = Number(m[1]);
  const last = Number(m[2]);
  if (last < start || (total !== undefined && last >= total)) return undefined;
  return { start, end: last + 1, total };
}
