import assert from "node:assert/strict";
import type { Schedule } from "../../src/store/records.ts";
import { timelineData } from "../../src/ui/timeline.tsx";
import { cronWords, relativeTime, triggerWords, windowWords } from "../../src/ui/words.ts";

Deno.test("cron expressions in words", () => {
  const rows: [string, string | null][] = [
    ["0 2 * * *", "every day at 02:00"],
    ["30 22 * * 1-5", "Mon–Fri at 22:30"],
    ["0 3 * * 0", "every Sunday at 03:00"],
    ["0 3 * * 1,3,5", "on Mon, Wed, Fri at 03:00"],
    ["15 4 1 * *", "on day 1 of every month at 04:15"],
    ["*/15 * * * *", "every 15 minutes"],
    ["5 * * * *", "every hour at :05"],
    ["0 */6 * * *", "every 6 hours at :00"],
    ["* * * * *", "every minute"],
    ["* * * * * *", "every second"],
    ["0 0 2 * * *", "every day at 02:00"],
    ["@daily", "every day at 00:00"],
    ["0 2 1-7 * 1", null],
  ];
  for (const [expr, words] of rows) assert.equal(cronWords(expr), words, expr);
});

Deno.test("triggers and windows in words name their zone", () => {
  assert.equal(
    triggerWords({ type: "cron", expression: "0 2 * * *" }, "Europe/Berlin"),
    "every day at 02:00 Europe/Berlin",
  );
  assert.equal(
    triggerWords({ type: "cron", expression: "0 2 1-7 * 1" }, "UTC"),
    'cron "0 2 1-7 * 1" UTC',
  );
  assert.equal(
    triggerWords({ type: "once", at: "2026-12-24T18:00:00Z" }, "Europe/Berlin"),
    "once at 2026-12-24 19:00",
  );
  assert.equal(
    windowWords({
      windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue"] }],
      onEnd: "pause",
    }, "UTC"),
    "22:00–07:00 Mon, Tue (UTC, pauses at end)",
  );
});

Deno.test("relative times", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  assert.equal(relativeTime(now + 10_000, now), "now");
  assert.equal(relativeTime(now + 12 * 60_000, now), "in 12 min");
  assert.equal(relativeTime(now - 3 * 3_600_000, now), "3 h ago");
  assert.equal(relativeTime(now + 5 * 86_400_000, now), "in 5 d");
});

Deno.test("the timeline has 7 local days, the window's open hours and the planned runs", () => {
  const now = Date.parse("2026-12-02T12:00:00Z"); // a Wednesday
  const s = {
    status: "active",
    trigger: { type: "cron", expression: "0 2 * * *", timezone: "UTC" },
    timeWindow: { windows: [{ start: "22:00", end: "07:00", days: ["mon"] }], timezone: "UTC" },
  } as unknown as Schedule;
  const t = timelineData(s, "UTC", now);
  assert.deepEqual(t.days.map((d) => d.label), [
    "Wed 02",
    "Thu 03",
    "Fri 04",
    "Sat 05",
    "Sun 06",
    "Mon 07",
    "Tue 08",
  ]);
  // Monday 22:00 to Tuesday 07:00 is the only opening in these days
  assert.deepEqual(t.open, [[
    Date.parse("2026-12-07T22:00:00Z"),
    Date.parse("2026-12-08T07:00:00Z"),
  ]]);
  // 02:00 every day after now: Thu .. Tue
  assert.equal(t.runs.length, 6);
  assert.equal(t.runs[0], Date.parse("2026-12-03T02:00:00Z"));
  const paused = timelineData({ ...s, status: "paused" }, "UTC", now);
  assert.deepEqual(paused.runs, []);
});
