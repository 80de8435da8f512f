import assert from "node:assert/strict";
import {
  backoffMs,
  isTransientStatus,
  MAX_BACKOFF_MS,
  MAX_SERVER_WAIT_MS,
  parseRateLimit,
  retryDelayMs,
  serverRetryAfterMs,
} from "../../../src/download/net/http_retry.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");

Deno.test("transient statuses: timeouts, rate limits, 5xx except 501/505", () => {
  for (const s of [408, 425, 429, 500, 502, 503, 504, 599]) assert.ok(isTransientStatus(s), `${s}`);
  for (const s of [200, 400, 401, 403, 404, 416, 501, 505]) {
    assert.ok(!isTransientStatus(s), `${s}`);
  }
});

Deno.test("Retry-After is read as seconds or as an HTTP date, on any status", () => {
  for (const status of [429, 503]) {
    assert.equal(serverRetryAfterMs(status, new Headers({ "retry-after": "7" }), NOW), 7000);
    assert.equal(serverRetryAfterMs(status, new Headers({ "retry-after": "1.5" }), NOW), 1500);
    const date = new Date(NOW + 30_000).toUTCString();
    assert.equal(serverRetryAfterMs(status, new Headers({ "retry-after": date }), NOW), 30_000);
    const past = new Date(NOW - 30_000).toUTCString();
    assert.equal(serverRetryAfterMs(status, new Headers({ "retry-after": past }), NOW), 0);
  }
});

const WAIT_CASES: [string, number, Record<string, string>, number | undefined][] = [
  ["429 with the hub's RateLimit t=55 waits t+1", 429, { ratelimit: '"api";r=0;t=55' }, 56_000],
  [
    "429 reads the older reset= form",
    429,
    { ratelimit: "limit=100, remaining=0, reset=9" },
    10_000,
  ],
  ["429 reads RateLimit-Reset delta seconds", 429, { "ratelimit-reset": "12" }, 12_000],
  ["429 ignores an epoch X-RateLimit-Reset", 429, { "x-ratelimit-reset": "1795000000" }, undefined],
  ["429 with requests left ignores t", 429, { ratelimit: '"api";r=5;t=55' }, undefined],
  ["429 takes the longest of Retry-After and t", 429, {
    "retry-after": "3",
    ratelimit: '"api";r=0;t=42',
  }, 43_000],
  ["429 without hints says nothing", 429, {}, undefined],
  ["502 ignores t=60", 502, { ratelimit: '"api";r=0;t=60' }, undefined],
  ["503 ignores RateLimit-Reset", 503, { "ratelimit-reset": "60" }, undefined],
  ["503 with Retry-After and t takes Retry-After", 503, {
    "retry-after": "2",
    ratelimit: '"api";r=0;t=60',
  }, 2000],
];

for (const [name, status, headers, want] of WAIT_CASES) {
  Deno.test(`serverRetryAfterMs: ${name}`, () => {
    assert.equal(serverRetryAfterMs(status, new Headers(headers), NOW), want);
  });
}

Deno.test("parseRateLimit reads the bucket, remaining, reset and the policy's quota", () => {
  const headers = new Headers({
    ratelimit: '"api";r=0;t=55',
    "ratelimit-policy": '"fixed window";"api";q=500;w=300',
  });
  assert.deepEqual(parseRateLimit(headers), {
    bucket: "api",
    remaining: 0,
    resetSeconds: 55,
    quota: 500,
    windowSeconds: 300,
  });
  assert.equal(parseRateLimit(new Headers({ ratelimit: "nonsense" })), undefined);
  assert.equal(parseRateLimit(new Headers()), undefined);
});

Deno.test("backoff doubles per failure with ±20% jitter, capped", () => {
  assert.equal(backoffMs(1, () => 0.5), 500);
  assert.equal(backoffMs(2, () => 0.5), 1000);
  assert.equal(backoffMs(3, () => 0), 1600);
  assert.equal(backoffMs(3, () => 1), 2400);
  assert.equal(backoffMs(40, () => 0.5), MAX_BACKOFF_MS);
});

Deno.test("retryDelayMs prefers the server's hint, capped except on 429, else backs off", () => {
  assert.equal(retryDelayMs(1, 503, new Headers({ "retry-after": "5" }), NOW, () => 0.5), 5000);
  assert.equal(
    retryDelayMs(1, 503, new Headers({ "retry-after": "86400" }), NOW, () => 0.5),
    MAX_SERVER_WAIT_MS,
  );
  // A 429's wait is bounded by the run's rate-limit budget, not here.
  assert.equal(retryDelayMs(1, 429, new Headers({ "retry-after": "600" }), NOW), 600_000);
  assert.equal(
    retryDelayMs(2, 502, new Headers({ ratelimit: '"api";r=0;t=60' }), NOW, () => 0.5),
    1000,
  );
  assert.equal(retryDelayMs(2, undefined, undefined, NOW, () => 0.5), 1000);
  assert.equal(retryDelayMs(2, 500, new Headers(), NOW, () => 0.5), 1000);
});
