import assert from "node:assert/strict";
import { TimerHeap } from "../../../src/schedule/engine/timer_heap.ts";

/** [what it proves, operations, popDue(now) result, peek after, size after] */
type Op = [string, number | null];
const CASES: [string, Op[], number, string[], number | null, number][] = [
  ["an empty heap has nothing due", [], 100, [], null, 0],
  [
    "keys due at or before now come out earliest first",
    [["b", 20], ["a", 10], ["c", 30]],
    20,
    ["a", "b"],
    30,
    1,
  ],
  ["a key armed again moves to its new time", [["a", 10], ["b", 20], ["a", 30]], 25, ["b"], 30, 1],
  ["null disarms a key", [["a", 10], ["b", 20], ["a", null]], 100, ["b"], null, 0],
  ["disarming an unknown key is harmless", [["a", 10], ["zz", null]], 5, [], 10, 1],
  ["equal times all come out", [["a", 10], ["b", 10], ["c", 10]], 10, ["a", "b", "c"], null, 0],
  ["nothing is due before its time", [["a", 10]], 9, [], 10, 1],
  [
    "many re-armings leave one entry per key",
    [["a", 50], ["a", 40], ["a", 30], ["a", 20]],
    100,
    ["a"],
    null,
    0,
  ],
];

Deno.test("timer heap: arming and popping by behaviour", async (t) => {
  for (const [what, ops, now, due, peek, size] of CASES) {
    await t.step(what, () => {
      const heap = new TimerHeap();
      for (const [key, at] of ops) heap.set(key, at);
      assert.deepEqual(heap.popDue(now).sort(), [...due].sort());
      assert.equal(heap.peek(), peek);
      assert.equal(heap.size, size);
    });
  }
});

Deno.test("timer heap: get and keys show what is armed", () => {
  const heap = new TimerHeap();
  heap.set("s:1", 10);
  heap.set("r:2", 5);
  assert.equal(heap.get("s:1"), 10);
  assert.equal(heap.get("nope"), undefined);
  assert.deepEqual([...heap.keys()].sort(), ["r:2", "s:1"]);
  assert.deepEqual(heap.popDue(10), ["r:2", "s:1"], "earliest first");
});
