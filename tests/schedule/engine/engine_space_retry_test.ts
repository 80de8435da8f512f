/** A scheduled run refused by the free-space preflight is retried with the usual backoff. */
import assert from "node:assert/strict";
import { diskSpace, ensureFreeSpace } from "../../../src/download/layout/disk_space.ts";
import type { Executor } from "../../../src/schedule/engine/engine.ts";
import { getRun } from "../../../src/store/mod.ts";
import { rig, T0 } from "../_harness.ts";

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" };
const RETRY = { attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" };

Deno.test("retry: insufficient_space (the real preflight) is retried after the backoff, then succeeds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-space-" });
  const calls: number[] = [];
  // the first attempt needs more than the disk has; by the second someone freed space
  const execute: Executor = async ({ run }) => {
    calls.push(run.attempt);
    const free = (await diskSpace(dir)).free;
    await ensureFreeSpace({ path: dir, needed: calls.length === 1 ? free + 1 : 1, reserve: 0 });
    return { commit: "abc", files: { total: 1, done: 1, skipped: 0 }, bytes: 1 };
  };
  const r = await rig(execute);
  try {
    const s = await r.service.create({ source: "hf:org/model", trigger: MANUAL, retry: RETRY });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    let stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "pending");
    assert.equal(stored.error?.code, "insufficient_space");
    assert.match(stored.error!.message, /needs .* \+ 0 B reserve, .* free on /);
    assert.equal(Date.parse(stored.dueAt!), T0 + 30_000);
    r.clock.advance(30_000);
    await r.engine.idle();
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.deepEqual(calls, [1, 2]);
  } finally {
    await r.close();
    await Deno.remove(dir, { recursive: true });
  }
});
