import assert from "node:assert/strict";
import { RunQueue } from "../../../src/schedule/engine/run_queue.ts";

/** Takes every queued id out in start order. */
function drain(queue: RunQueue): string[] {
  const out: string[] = [];
  for (let id = queue.next(); id !== undefined; id = queue.next()) out.push(id);
  return out;
}

/** [what it proves, runs added in this order as [id, due at, priority?], start order] */
const CASES: [string, [string, number, number?][], string[]][] = [
  ["equal priorities start earliest due first", [["b", 20], ["a", 10], ["c", 30]], [
    "a",
    "b",
    "c",
  ]],
  ["a higher priority starts first, however late it is due", [["low", 10, 2], ["high", 50, 9]], [
    "high",
    "low",
  ]],
  ["a run without a remembered priority counts as 5", [["none", 10], ["six", 50, 6], [
    "four",
    5,
    4,
  ]], ["six", "none", "four"]],
  ["a run added twice is queued once", [["a", 10], ["a", 10], ["b", 20]], ["a", "b"]],
];

Deno.test("RunQueue: the order runs start in, by behaviour", async (t) => {
  for (const [name, added, order] of CASES) {
    await t.step(name, () => {
      const queue = new RunQueue();
      for (const [id, at, priority] of added) {
        if (priority !== undefined) queue.remember(id, priority);
        queue.add(id, at);
      }
      assert.deepEqual(drain(queue), order);
      assert.equal(queue.length, 0);
    });
  }
});

Deno.test("RunQueue: a priority remembered while armed applies when the run is queued", () => {
  const queue = new RunQueue();
  queue.remember("later", 10);
  queue.add("first", 1);
  queue.add("later", 99);
  assert.deepEqual(drain(queue), ["later", "first"]);
});

Deno.test("RunQueue: keep drops runs no longer pending anywhere", () => {
  const queue = new RunQueue();
  queue.add("gone", 1);
  queue.add("kept", 2);
  queue.keep(new Set(["kept"]));
  assert.deepEqual(drain(queue), ["kept"]);
});

Deno.test("RunQueue: reserved slots are counted until released", () => {
  const queue = new RunQueue();
  queue.reserve();
  queue.reserve();
  queue.release();
  assert.equal(queue.starting, 1);
});
