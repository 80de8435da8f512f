import assert from "node:assert/strict";
import { nextStepAt, parseBandwidth, parseRate, rateAt } from "../../src/time/bandwidth.ts";
import {
  chainLimiters,
  RateLimiter,
  rateLimiterFor,
} from "../../src/download/transfer/rate_limiter.ts";
import { NightpullError } from "../../src/errors.ts";

const MiB = 1024 * 1024;

Deno.test("parseRate reads rclone rates in binary units; a bare number is KiB/s", () => {
  assert.equal(parseRate("10M"), 10 * MiB);
  assert.equal(parseRate("512k"), 512 * 1024);
  assert.equal(parseRate("1.5M"), 1.5 * MiB);
  assert.equal(parseRate("2G"), 2 * 1024 * MiB);
  assert.equal(parseRate("100"), 100 * 1024);
  assert.equal(parseRate("10MiB/s"), 10 * MiB);
  assert.equal(parseRate("off"), null);
  assert.equal(parseRate("OFF"), null);
});

Deno.test("parseBandwidth refuses bad input naming the problem", () => {
  const cases: [string, RegExp][] = [
    ["fast", /"fast" is not a rate/],
    ["10X", /"10X" is not a rate/],
    ["100b", /below the minimum of 1k/],
    ["25:00,1M", /hour 25 out of range 0-23/],
    ["08:00,1M 08:00,2M", /two steps at the same time/],
    ["Xyz-08:00,1M", /unknown day "Xyz"/],
    ["08:00", /not \[Day-\]HH:MM,RATE|is not a rate/],
    ["", /it is empty/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseBandwidth(text), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.equal(e.code, "invalid_input");
      assert.match(e.message, message);
      return true;
    }, text);
  }
});

Deno.test("a daily timetable: each step holds until the next, the last wraps to the morning", () => {
  const table = parseBandwidth("08:00,512k 12:00,10M 23:00,off");
  const at = (iso: string) => rateAt(table, Date.parse(iso), "UTC");
  assert.equal(at("2026-11-23T07:59:59Z"), null); // still 23:00's "off"
  assert.equal(at("2026-11-23T08:00:00Z"), 512 * 1024);
  assert.equal(at("2026-11-23T11:59:59Z"), 512 * 1024);
  assert.equal(at("2026-11-23T12:00:00Z"), 10 * MiB);
  assert.equal(at("2026-11-23T23:30:00Z"), null);
  assert.equal(
    new Date(nextStepAt(table, Date.parse("2026-11-23T09:00:00Z"), "UTC")!).toISOString(),
    "2026-11-23T12:00:00.000Z",
  );
  assert.equal(
    new Date(nextStepAt(table, Date.parse("2026-11-23T23:30:00Z"), "UTC")!).toISOString(),
    "2026-11-24T08:00:00.000Z",
  );
  assert.equal(nextStepAt(parseBandwidth("10M"), Date.now(), "UTC"), null);
});

Deno.test("a weekly timetable with day prefixes, in the given zone", () => {
  const table = parseBandwidth("Mon-00:00,512k Sat-10:00,off");
  // 2026-11-28 is a Saturday; Berlin is UTC+1 in November
  assert.equal(rateAt(table, Date.parse("2026-11-28T08:59:00Z"), "Europe/Berlin"), 512 * 1024);
  assert.equal(rateAt(table, Date.parse("2026-11-28T09:00:00Z"), "Europe/Berlin"), null);
  assert.equal(rateAt(table, Date.parse("2026-11-29T22:00:00Z"), "Europe/Berlin"), null);
  assert.equal(rateAt(table, Date.parse("2026-11-29T23:00:00Z"), "Europe/Berlin"), 512 * 1024);
});

Deno.test("RateLimiter holds two concurrent takers to the shared rate", async () => {
  const rate = 4 * MiB;
  const limiter = new RateLimiter(parseBandwidth("4M"), "UTC");
  const total = 2 * MiB;
  const chunk = 64 * 1024;
  const start = performance.now();
  const worker = async () => {
    for (let sent = 0; sent < total / 2; sent += chunk) await limiter.take(chunk);
  };
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - start) / 1000;
  const achieved = total / seconds;
  // the burst allowance (64 KiB or a tenth of a second) lets the first bytes through at once
  assert.ok(achieved <= rate * 1.15, `achieved ${achieved} B/s, limit ${rate}`);
  assert.ok(achieved >= rate * 0.85, `achieved ${achieved} B/s, limit ${rate}`);
});

Deno.test("RateLimiter: unlimited passes at once and an abort interrupts a wait", async () => {
  const open = new RateLimiter(null, "UTC");
  await open.take(100 * MiB);
  assert.equal(open.rate, null);
  const slow = new RateLimiter(parseBandwidth("1k"), "UTC");
  const controller = new AbortController();
  const waiting = slow.take(10 * MiB, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
});

Deno.test("rateLimiterFor: none for empty or off; chainLimiters takes every byte from each", async () => {
  assert.equal(rateLimiterFor(undefined, "UTC"), undefined);
  assert.equal(rateLimiterFor(" off ", "UTC"), undefined);
  assert.equal(rateLimiterFor("2M", "UTC")?.rate, 2 * MiB);
  assert.throws(() => rateLimiterFor("fast", "UTC"), /"fast" is not a rate/);
  const taken: string[] = [];
  const recorder = (name: string) => ({
    take: (bytes: number) => (taken.push(`${name}:${bytes}`), Promise.resolve()),
  });
  const a = recorder("a");
  assert.equal(chainLimiters([]), undefined);
  assert.equal(chainLimiters([undefined, a]), a);
  const both = chainLimiters([a, undefined, recorder("b")])!;
  await both.take(100);
  await both.take(7);
  assert.deepEqual(taken, ["a:100", "b:100", "a:7", "b:7"]);
});
