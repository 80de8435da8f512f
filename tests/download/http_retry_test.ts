import assert from "node:assert/strict";
import {
  backoffMs,
  isTransientStatus,
  MAX_BACKOFF_MS,
  MAX_SERVER_WAIT_MS,
  retryDelayMs,
  serverRetryAfterMs,
} from "../../src/download/http_retry.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");

Deno.test("transient statuses: timeouts, rate limits, 5xx except 501/505", () => {
  for (const s of [408, 425, 429, 500, 502, 503, 504, 599]) assert.ok(isTransientStatus(s), `${s}`);
  for (const s of [200, 400, 401, 403, 404, 416, 501, 505]) {
    assert.ok(!isTransientStatus(s), `${s}`);
  }
});

Deno.test("Retry-After is read as seconds or as an HTTP date", () => {
  assert.equal(serverRetryAfterMs(new Headers({ "retry-after": "7" }), NOW), 7000);
  assert.equal(serverRetryAfterMs(new Headers({ "retry-after": "1.5" }), NOW), 1500);
  const date = new Date(NOW + 30_000).toUTCString();
  assert.equal(serverRetryAfterMs(new Headers({ "retry-after": date }), NOW), 30_000);
  const past = new Date(NOW - 30_000).toUTCString();
  assert.equal(serverRetryAfterMs(new Headers({ "retry-after": past }), NOW), 0);
});

Deno.test("RateLimit t=, reset= and RateLimit-Reset are honoured when Retry-After is absent", () => {
  assert.equal(serverRetryAfterMs(new Headers({ ratelimit: '"api";r=0;t=42' }), NOW), 42_000);
  assert.equal(
    serverRetryAfterMs(new Headers({ ratelimit: "limit=100, remaining=0, reset=9" }), NOW),
    9000,
  );
  assert.equal(serverRetryAfterMs(new Headers({ "ratelimit-reset": "12" }), NOW), 12_000);
  assert.equal(
    serverRetryAfterMs(new Headers({ "x-ratelimit-reset": "1795000000" }), NOW),
    undefined,
  );
  assert.equal(serverRetryAfterMs(new Headers(), NOW), undefined);
  const both = new Headers({ "retry-after": "3", ratelimit: '"api";r=0;t=42' });
  assert.equal(serverRetryAfterMs(both, NOW), 3000);
});

Deno.test("backoff doubles per failure with ±20% jitter, capped", () => {
  assert.equal(backoffMs(1, () => 0.5), 500);
  assert.equal(backoffMs(2, () => 0.5), 1000);
  assert.equal(backoffMs(3, () => 0), 1600);
  assert.equal(backoffMs(3, () => 1), 2400);
  assert.equal(backoffMs(40, () => 0.5), MAX_BACKOFF_MS);
});

Deno.test("retryDelayMs prefers the server's hint, capped, else backs off", () => {
  assert.equal(retryDelayMs(1, new Headers({ "retry-after": "5" }), NOW, () => 0.5), 5000);
  assert.equal(
    retryDelayMs(1, new Headers({ "retry-after": "86400" }), NOW, () => 0.5),
    MAX_SERVER_WAIT_MS,
  );
  assert.equal(retryDelayMs(2, undefined, NOW, () => 0.5), 1000);
  assert.equal(retryDelayMs(2, new Headers(), NOW, () => 0.5), 1000);
});
