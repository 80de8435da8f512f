import assert from "node:assert/strict";
import {
  addRange,
  connectionCount,
  contiguousEnd,
  coveredBytes,
  MAX_PIECE_SIZE,
  MIN_PIECE_SIZE,
  missingRanges,
  normalizeRanges,
  parseContentRange,
  pieceSize,
  splitIntoPieces,
} from "../../../src/download/transfer/range_plan.ts";

const r = (start: number, end: number) => ({ start, end });

Deno.test("normalizeRanges sorts, merges overlaps and neighbours, drops empties", () => {
  assert.deepEqual(normalizeRanges([r(50, 60), r(0, 10), r(10, 20), r(15, 30), r(40, 40)]), [
    r(0, 30),
    r(50, 60),
  ]);
  assert.deepEqual(addRange([r(0, 10), r(20, 30)], r(10, 20)), [r(0, 30)]);
});

Deno.test("missingRanges finds the gaps, clipped to the size", () => {
  assert.deepEqual(missingRanges(100, []), [r(0, 100)]);
  assert.deepEqual(missingRanges(100, [r(10, 20), r(50, 120)]), [r(0, 10), r(20, 50)]);
  assert.deepEqual(missingRanges(100, [r(0, 100)]), []);
  assert.equal(coveredBytes([r(0, 10), r(5, 20), r(30, 31)]), 21);
});

Deno.test("contiguousEnd is the end of the done prefix", () => {
  assert.equal(contiguousEnd([]), 0);
  assert.equal(contiguousEnd([r(5, 10)]), 0);
  assert.equal(contiguousEnd([r(0, 10), r(10, 15), r(20, 30)]), 15);
});

Deno.test("connectionCount never gives a connection less than minSplitSize", () => {
  const MiB = 1 << 20;
  assert.equal(connectionCount(1024 * MiB, 8, 32 * MiB), 8);
  assert.equal(connectionCount(100 * MiB, 8, 32 * MiB), 3);
  assert.equal(connectionCount(40 * MiB, 8, 32 * MiB), 1);
  assert.equal(connectionCount(0, 8, 32 * MiB), 1);
  assert.equal(connectionCount(1024 * MiB, 1, 32 * MiB), 1);
});

Deno.test("pieceSize gives about four pieces per connection in 64 KiB steps, within bounds", () => {
  const MiB = 1 << 20;
  assert.equal(pieceSize(1024 * MiB, 8), 32 * MiB);
  assert.equal(pieceSize(100, 4), MIN_PIECE_SIZE);
  assert.equal(pieceSize(100 * 1024 * MiB, 2), MAX_PIECE_SIZE);
  assert.equal(pieceSize(6 * MiB + 7, 4) % MIN_PIECE_SIZE, 0);
});

Deno.test("splitIntoPieces cuts every missing range in file order", () => {
  assert.deepEqual(splitIntoPieces([r(40, 100), r(0, 10)], 25), [
    r(0, 10),
    r(40, 65),
    r(65, 90),
    r(90, 100),
  ]);
  assert.throws(() => splitIntoPieces([r(0, 1)], 0), RangeError);
});

Deno.test("parseContentRange reads satisfied and unsatisfied forms, refuses nonsense", () => {
  assert.deepEqual(parseContentRange("bytes 0-99/1000"), { start: 0, end: 100, total: 1000 });
  assert.deepEqual(parseContentRange("bytes 5-9/*"), { start: 5, end: 10, total: undefined });
  assert.deepEqual(parseContentRange("bytes */1000"), { unsatisfied: true, total: 1000 });
  assert.equal(parseContentRange("bytes 9-5/10"), undefined);
  assert.equal(parseContentRange("bytes 0-10/10"), undefined);
  assert.equal(parseContentRange("items 0-1/2"), undefined);
  assert.equal(parseContentRange(null), undefined);
});
