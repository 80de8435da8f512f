import assert from "node:assert/strict";
import { sleep } from "../../src/time/sleep.ts";

Deno.test("sleep resolves after its time", async () => {
  const before = performance.now();
  await sleep(20);
  assert.ok(performance.now() - before >= 15);
});

Deno.test("sleep rejects with the signal's reason, at once when already aborted", async () => {
  const controller = new AbortController();
  const waiting = sleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  await assert.rejects(sleep(10, controller.signal), /stop/);
});
