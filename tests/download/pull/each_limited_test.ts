import assert from "node:assert/strict";
import { eachLimited } from "../../../src/download/pull/each_limited.ts";

Deno.test("eachLimited: at most `limit` at once, every item once", async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await eachLimited(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
    running++;
    peak = Math.max(peak, running);
    await Promise.resolve();
    seen.push(i);
    running--;
  });
  assert.equal(peak, 4);
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

Deno.test("eachLimited: after one call fails no worker takes another item", async () => {
  const started: number[] = [];
  const items = Array.from({ length: 100 }, (_, i) => i);
  await assert.rejects(
    () =>
      eachLimited(items, 4, async (i) => {
        started.push(i);
        if (i === 2) throw new Error("item 2 failed");
        // the others take a few turns, as a stat or a hash would
        for (let k = 0; k < 3; k++) await Promise.resolve();
      }),
    /item 2 failed/,
  );
  // the four first items were running when item 2 failed; at most a few more began meanwhile
  assert.ok(started.length <= 8, `${started.length} items began after the failure`);
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(started.length <= 8, "nothing begins later either");
});
