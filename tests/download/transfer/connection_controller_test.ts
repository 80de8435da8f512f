import assert from "node:assert/strict";
import {
  CONNECTION_LONG_WINDOW_MS,
  CONNECTION_SETTLE_MS,
  CONNECTION_WINDOW_MS,
  ConnectionController,
  type Decision,
  INITIAL_CONNECTIONS,
  WINDOW_BYTES,
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

const perConnectionCap = (n: number) => n * 25_000;

Deno.test("connection controller: the counts it steps through on each kind of link", () => {
  const cases: {
    name: string;
    max: number;
    initial?: number;
    link: (n: number) => number;
    want: [add: number, drop: number, target: number][];
  }[] = [
    // each step brings its full share: double once, then quadruple (capped at the most)
    { name: "capped, 16", max: 16, link: perConnectionCap, want: [[4, 0, 8], [8, 0, 16]] },
    {
      name: "capped, from 2 to 32",
      max: 32,
      initial: 2,
      link: perConnectionCap,
      want: [[2, 0, 4], [12, 0, 16], [16, 0, 32]],
    },
    // a big file starting at 8: one step to 16
    { name: "capped, from 8", max: 16, initial: 8, link: perConnectionCap, want: [[8, 0, 16]] },
    { name: "uneven most", max: 6, link: (n) => n * 1000, want: [[2, 0, 6]] },
    // the link is full at 4: 8 bring nothing, what is open stays (no slower), no more steps
    {
      name: "full link",
      max: 16,
      link: (n) => Math.min(n, 4) * 50_000,
      want: [[4, 0, 8]],
    },
    // slower with more: back to the count before, for good
    {
      name: "slower with more",
      max: 16,
      link: (n) => (n <= 4 ? n * 10_000 : 20_000),
      want: [[4, 0, 8], [0, 4, 4]],
    },
    // half the expected gain is the least that keeps the ramp going: 4 -> 8 at +40% stops
    {
      name: "gain below half",
      max: 16,
      link: (n) => (n <= 4 ? 100_000 : 140_000),
      want: [[4, 0, 8]],
    },
    // +60% of a doubling: kept, but not the full share, so the next step only doubles
    {
      name: "part of the share",
      max: 32,
      link: (n) => (n <= 4 ? n * 25_000 : n <= 8 ? 160_000 : n * 25_000),
      want: [[4, 0, 8], [8, 0, 16], [16, 0, 32]],
    },
    // noise: a little below the earlier rate does not drop anything
    {
      name: "noise",
      max: 16,
      link: (n) => (n <= 4 ? 100_000 : 90_000),
      want: [[4, 0, 8]],
    },
  ];
  for (const { name, max, initial, link, want } of cases) {
    const control = new ConnectionController({ max, initial });
    const changes = drive(control, link);
    assert.deepEqual(changes.map((c) => [c.add, c.drop, c.target]), want, name);
    assert.equal(control.settled, true, `${name} settles`);
  }
});

Deno.test("connection controller: a window opens once the new connections have their first bytes", () => {
  const control = new ConnectionController({ max: 8 });
  assert.equal(control.target, INITIAL_CONNECTIONS);
  const none = { add: 0, drop: 0 };
  assert.deepEqual(control.observe(0, 0, false), none);
  // settled by time, but not every connection has its first bytes: no window yet
  assert.deepEqual(control.observe(CONNECTION_SETTLE_MS + 500, 0, false), none);
  const open = CONNECTION_SETTLE_MS + 550;
  assert.deepEqual(control.observe(open, 1000, true), none); // the window opens here
  assert.deepEqual(control.observe(open + CONNECTION_WINDOW_MS - 1, 9e9), none, "too short");
  const enough = 1000 + INITIAL_CONNECTIONS * WINDOW_BYTES;
  assert.deepEqual(control.observe(open + CONNECTION_WINDOW_MS, enough), { add: 4, drop: 0 });
  assert.equal(control.target, 8);
  // the next step settles again from the step, and again waits for first bytes
  assert.deepEqual(control.observe(open + CONNECTION_WINDOW_MS + 1000, enough, false), none);
});

Deno.test("connection controller: a slow link's window lasts until each connection moved 1 MiB, or the longest", () => {
  const none = { add: 0, drop: 0 };
  const start = (control: ConnectionController) => {
    control.observe(0, 0);
    control.observe(CONNECTION_SETTLE_MS, 0); // the window opens
    return CONNECTION_SETTLE_MS;
  };
  const slow = new ConnectionController({ max: 8 });
  const open = start(slow);
  const short = INITIAL_CONNECTIONS * WINDOW_BYTES - 1;
  assert.deepEqual(slow.observe(open + CONNECTION_WINDOW_MS, short), none, "too few bytes");
  assert.deepEqual(slow.observe(open + 2 * CONNECTION_WINDOW_MS, short + 1), { add: 4, drop: 0 });
  const slower = new ConnectionController({ max: 8 });
  start(slower);
  assert.deepEqual(slower.observe(open + CONNECTION_LONG_WINDOW_MS - 1, 1000), none);
  assert.deepEqual(slower.observe(open + CONNECTION_LONG_WINDOW_MS, 1000), { add: 4, drop: 0 });
});

Deno.test("connection controller: one connection allowed, or a start at the most: nothing to adapt", () => {
  for (const [max, initial] of [[1, undefined], [2, 2], [16, 16], [4, 8]]) {
    const control = new ConnectionController({ max: max!, initial });
    assert.equal(control.target, Math.min(max!, initial ?? INITIAL_CONNECTIONS));
    assert.equal(control.settled, true);
    assert.deepEqual(drive(control, (n) => n * 1000), []);
  }
});
