import assert from "node:assert/strict";
import { exponentialDelay } from "../../src/time/backoff.ts";
import { backoffMs } from "../../src/download/net/http_retry.ts";

Deno.test("exponentialDelay grows by the factor per attempt, from the base", () => {
  const mid = () => 0.5; // no jitter at the middle of the random range
  const cases: [number, number][] = [[1, 100], [2, 200], [3, 400], [4, 800]];
  for (const [attempt, want] of cases) {
    assert.equal(exponentialDelay(attempt, { baseMs: 100 }, mid), want, `attempt ${attempt}`);
  }
  assert.equal(exponentialDelay(3, { baseMs: 100, factor: 3 }, mid), 900);
  assert.equal(exponentialDelay(0, { baseMs: 100 }, mid), 100); // attempts below 1 act as 1
});

Deno.test("exponentialDelay caps the nominal step, then jitters around it", () => {
  assert.equal(exponentialDelay(10, { baseMs: 100, capMs: 1000 }, () => 0.5), 1000);
  assert.equal(exponentialDelay(10, { baseMs: 100, capMs: 1000 }, () => 0), 800);
  assert.equal(exponentialDelay(1, { baseMs: 100, jitter: 0.5 }, () => 0), 50);
  assert.equal(exponentialDelay(1, { baseMs: 100, jitter: 0.5 }, () => 0.999), 150);
});

Deno.test("the HTTP retry backoff is the shared exponential delay (500 ms doubling to 30 s)", () => {
  assert.equal(backoffMs(1, () => 0.5), 500);
  assert.equal(backoffMs(2, () => 0.5), 1000);
  assert.equal(backoffMs(20, () => 0.5), 30_000);
  assert.equal(backoffMs(1, () => 0), 400);
});
