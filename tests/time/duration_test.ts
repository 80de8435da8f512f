import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { formatDuration, parseDuration } from "../../src/time/duration.ts";
import { retryDelay } from "../../src/time/backoff.ts";

Deno.test("parseDuration reads single and combined units", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("6h"), 21_600_000);
  assert.equal(parseDuration("1d"), 86_400_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("250ms"), 250);
});

Deno.test("parseDuration names the field of a bad value", () => {
  for (const bad of ["", "10", "1x", "-5m", "0s", "1.5h", 42]) {
    assert.throws(() => parseDuration(bad, "retry.backoff"), (err: unknown) => {
      assert.ok(err instanceof NightpullError);
      assert.equal(err.code, "invalid_input");
      assert.equal(err.details?.field, "retry.backoff");
      assert.match(err.message, /^invalid retry\.backoff .*expected e\.g\. "30s"/);
      return true;
    });
  }
});

Deno.test("formatDuration is the inverse of parseDuration for exact values", () => {
  for (const text of ["30s", "10m", "6h", "1d", "1h30m", "2d3h4m5s"]) {
    assert.equal(formatDuration(parseDuration(text)), text);
  }
});

Deno.test("retryDelay grows exponentially within ±20% and stops at maxBackoff", () => {
  const policy = { attempts: 5, backoff: "30s", factor: 2, maxBackoff: "3m" };
  assert.equal(retryDelay(policy, 1, () => 0), 24_000);
  assert.equal(retryDelay(policy, 1, () => 0.5), 30_000);
  assert.equal(retryDelay(policy, 1, () => 0.999999), 36_000);
  assert.equal(retryDelay(policy, 2, () => 0.5), 60_000);
  assert.equal(retryDelay(policy, 3, () => 0.5), 120_000);
  assert.equal(retryDelay(policy, 4, () => 0.5), 180_000); // 240s capped
  // a seeded generator: every delay stays in its band
  let seed = 42;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const nominal = 30_000 * 2 ** (attempt - 1);
    for (let i = 0; i < 200; i++) {
      const d = retryDelay(policy, attempt, random);
      assert.ok(d >= nominal * 0.8 && d <= Math.min(nominal * 1.2, 180_000), `${d}`);
    }
  }
});
