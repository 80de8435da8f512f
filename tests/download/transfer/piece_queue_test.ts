import assert from "node:assert/strict";
import { PieceQueue, STEAL_MARGIN } from "../../../src/download/transfer/piece_queue.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A queue on a hand-moved clock. */
function queueOf(pieces: [number, number][], minSteal?: number) {
  const clock = { ms: 0 };
  const queue = new PieceQueue(pieces.map(([start, end]) => ({ start, end })), {
    now: () => clock.ms,
    minSteal,
  });
  return { queue, clock };
}

Deno.test("pieces are handed out in file order, then nothing when none is worth stealing", () => {
  const { queue } = queueOf([[0, MiB], [MiB, 2 * MiB]]);
  const a = queue.take()!;
  const b = queue.take()!;
  assert.deepEqual([a.start, a.at, a.received, a.end], [0, 0, 0, MiB]);
  assert.deepEqual([b.start, b.end], [MiB, 2 * MiB]);
  assert.equal(queue.take(), undefined); // both just started: nothing says they are slow
  assert.equal(queue.steals, 0);
});

Deno.test("the range with the longest time left loses its tail, cut by the two rates", () => {
  const { queue, clock } = queueOf([[0, 8 * MiB], [8 * MiB, 16 * MiB], [16 * MiB, 24 * MiB]]);
  const slow = queue.take()!;
  const fast = queue.take()!;
  const done = queue.take()!;
  clock.ms = 1000;
  slow.received = slow.at = 1 * MiB; // 1 MiB/s, 7 MiB left: 7 s
  fast.received = fast.at = 8 * MiB + 4 * MiB; // 4 MiB/s, 4 MiB left: 1 s
  done.received = done.at = done.end;
  const thiefRate = queue.done(done)!; // 8 MiB/s
  assert.equal(thiefRate, (8 * MiB) / 1000);
  const tail = queue.take(thiefRate)!;
  // the slow one keeps 1/9 of its 7 MiB (its rate over both rates), rounded up to 64 KiB
  const keep = Math.ceil((1 * MiB + Math.ceil((7 * MiB) / 9)) / (64 * KiB)) * 64 * KiB;
  assert.equal(slow.end, keep);
  assert.deepEqual([tail.start, tail.end], [keep, 8 * MiB]);
  assert.equal(fast.end, 16 * MiB); // untouched
  assert.equal(queue.steals, 1);
});

Deno.test("a victim keeps at least a socket read's margin past what it received", () => {
  const { queue, clock } = queueOf([[0, 4 * MiB]]);
  const crawl = queue.take()!;
  clock.ms = 1000;
  crawl.received = 10 * KiB; // 10 KiB/s
  const tail = queue.take(100 * MiB / 1000)!;
  assert.equal(crawl.end, Math.ceil((10 * KiB + STEAL_MARGIN) / (64 * KiB)) * 64 * KiB);
  assert.equal(tail.start, crawl.end);
  assert.equal(tail.end, 4 * MiB);
});

Deno.test("without the thief's rate the tail is halved", () => {
  const { queue, clock } = queueOf([[0, 4 * MiB]]);
  const piece = queue.take()!;
  clock.ms = 1000;
  piece.received = 0.5 * MiB;
  const tail = queue.take()!;
  assert.equal(piece.end, 0.5 * MiB + 1.75 * MiB);
  assert.deepEqual([tail.start, tail.end], [2.25 * MiB, 4 * MiB]);
});

Deno.test("tails shorter than twice the smallest steal are left alone", () => {
  const { queue, clock } = queueOf([[0, 2 * MiB]], 1 * MiB);
  const piece = queue.take()!;
  clock.ms = 1000;
  piece.received = 1;
  assert.equal(queue.take(1), undefined); // 2 MiB - 1 byte left < 2 x 1 MiB
  assert.equal(piece.end, 2 * MiB);
});

Deno.test("a stolen tail can itself be stolen from, and finished pieces never are", () => {
  const { queue, clock } = queueOf([[0, 8 * MiB]], 512 * KiB);
  const first = queue.take()!;
  clock.ms = 1000;
  first.received = MiB;
  const second = queue.take()!; // half of the 7 MiB left
  assert.equal(second.start, MiB + 3.5 * MiB);
  clock.ms = 2000;
  second.received = second.end; // done
  queue.done(second);
  first.received = 1.5 * MiB;
  const third = queue.take()!;
  assert.ok(third.start > 1.5 * MiB && third.end === 4.5 * MiB);
  assert.equal(first.end, third.start);
});
