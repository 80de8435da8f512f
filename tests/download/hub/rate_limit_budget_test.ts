import assert from "node:assert/strict";
import {
  RateLimitBudget,
  type RateLimitWait,
} from "../../../src/download/hub/rate_limit_budget.ts";
import { NightpullError } from "../../../src/errors.ts";

const HUB = "https://huggingface.co/api/models/acme/x/tree/abc";

/** A budget on a hand-moved clock whose sleeps advance it. */
function budget(budgetMs: number) {
  let now = Date.parse("2026-12-02T03:00:00Z");
  const waits: RateLimitWait[] = [];
  const b = new RateLimitBudget({
    budgetMs,
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    onWait: (w) => waits.push(w),
  });
  return { b, waits };
}

Deno.test("sequential waits add up; the one past the budget fails with the reset time", async () => {
  const { b, waits } = budget(10_000);
  await b.wait(4000, HUB);
  await b.wait(4000, HUB);
  assert.equal(b.spentMs, 8000);
  await assert.rejects(b.wait(3000, HUB), (err) => {
    assert.ok(err instanceof NightpullError);
    assert.equal(err.code, "rate_limited");
    assert.match(err.message, /huggingface\.co is rate-limiting requests/);
    assert.match(err.message, /resets at 2026-12-02T03:00:11\.000Z \(in 3 s\)/);
    assert.equal(err.details?.waitedMs, 8000);
    return true;
  });
  assert.equal(b.spentMs, 8000, "a refused wait uses nothing");
  assert.deepEqual(waits.map((w) => [w.host, w.seconds]), [["huggingface.co", 4], [
    "huggingface.co",
    4,
  ]]);
});

Deno.test("overlapping waits (several files limited at once) count once and notify once", async () => {
  const waits: RateLimitWait[] = [];
  // Three waits starting at the same instant for the same reset: 56 s of wall time, not 168.
  const clock = Date.parse("2026-12-02T03:00:00Z");
  const sleeping = new RateLimitBudget({
    budgetMs: 60_000,
    now: () => clock,
    sleep: () => Promise.resolve(),
    onWait: (w) => waits.push(w),
  });
  await Promise.all([
    sleeping.wait(56_000, HUB),
    sleeping.wait(56_000, HUB),
    sleeping.wait(56_000, HUB),
  ]);
  assert.equal(sleeping.spentMs, 56_000);
  assert.equal(waits.length, 1);
  assert.equal(waits[0].until, "2026-12-02T03:00:56.000Z");
});

Deno.test("an abort ends the wait as interrupted", async () => {
  const b = new RateLimitBudget({ budgetMs: 600_000 });
  const controller = new AbortController();
  const waiting = b.wait(300_000, HUB, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, (err) => {
    assert.ok(err instanceof NightpullError);
    assert.equal(err.code, "interrupted");
    assert.match(err.message, /huggingface\.co's rate limit/);
    return true;
  });
});
