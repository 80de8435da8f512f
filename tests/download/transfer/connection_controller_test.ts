import assert from "node:assert/strict";
import {
  ConnectionController,
  type Decision,
} from "../../../src/download/transfer/connection_controller.ts";

/**
 * Feeds the controller a link where `n` connections get `rateOf(n)` bytes per ms, sampling
 * every 50 ms for `ms` milliseconds; returns the decisions that changed something.
 */
function drive(control: ConnectionController, rateOf: (n: number) => number, ms = 10_000) {
  const changes: (Decision & { at: number; target: number })[] = [];
  let bytes = 0;
  for (let now = 0; now <= ms; now += 50) {
    const decision = control.observe(now, bytes);
    if (decision.add || decision.drop) {
      changes.push({ ...decision, at: now, target: control.target });
    }
    bytes += rateOf(control.target) * 50;
  }
  return changes;
}

Deno.test("a per-connection cap: doubles from 2 up to the most allowed, then settles", () => {
  const control = new ConnectionController({ max: 16 });
  assert.equal(control.target, 2);
  const changes = drive(control, (n) => n * 25_000);
  assert.deepEqual(changes.map((c) => [c.add, c.drop, c.target]), [[2, 0, 4], [4, 0, 8], [
    8,
    0,
    16,
  ]]);
  assert.equal(control.settled, true);
});

Deno.test("an uneven maximum: the last step adds only what is left", () => {
  const control = new ConnectionController({ max: 6 });
  const changes = drive(control, (n) => n * 1000);
  assert.deepEqual(changes.map((c) => c.target), [4, 6]);
});

Deno.test("a full link: the added connections bring nothing, so no more are added", () => {
  const control = new ConnectionController({ max: 16 });
  const changes = drive(control, (n) => Math.min(n, 2) * 50_000);
  assert.deepEqual(changes.map((c) => [c.add, c.drop, c.target]), [[2, 0, 4]]);
  assert.equal(control.target, 4); // no slower than with 2: what is open stays
  assert.equal(control.settled, true);
});

Deno.test("a link that gets slower with more connections: drops back to the count before", () => {
  const control = new ConnectionController({ max: 16 });
  const changes = drive(control, (n) => (n <= 4 ? n * 10_000 : 20_000));
  assert.deepEqual(changes.map((c) => [c.add, c.drop, c.target]), [[2, 0, 4], [4, 0, 8], [
    0,
    4,
    4,
  ]]);
  assert.equal(control.settled, true);
});

Deno.test("a gain below half of what the added connections should bring stops the ramp", () => {
  // 2 -> 4 connections should double the rate; +40% is less than the +50% required
  const control = new ConnectionController({ max: 8 });
  const changes = drive(control, (n) => (n <= 2 ? 20_000 : 28_000));
  assert.deepEqual(changes.map((c) => c.target), [4]);
  assert.equal(control.settled, true);
});

Deno.test("new connections settle before their rate counts, then one window is measured", () => {
  const control = new ConnectionController({ max: 4, settleMs: 200, windowMs: 300 });
  assert.deepEqual(control.observe(0, 0), { add: 0, drop: 0 });
  assert.deepEqual(control.observe(199, 0), { add: 0, drop: 0 }); // settling
  assert.deepEqual(control.observe(200, 0), { add: 0, drop: 0 }); // the window starts
  assert.deepEqual(control.observe(499, 1000), { add: 0, drop: 0 }); // not a window yet
  assert.deepEqual(control.observe(500, 3000), { add: 2, drop: 0 });
  assert.equal(control.target, 4);
});

Deno.test("one or two connections allowed: nothing to adapt", () => {
  for (const max of [1, 2]) {
    const control = new ConnectionController({ max });
    assert.equal(control.target, max);
    assert.equal(control.settled, true);
    assert.deepEqual(drive(control, (n) => n * 1000), []);
  }
});
