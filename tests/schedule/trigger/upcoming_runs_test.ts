import assert from "node:assert/strict";
import type { Trigger } from "../../../src/store/records.ts";
import { nextRuns } from "../../../src/schedule/trigger/trigger.ts";
import { UpcomingRuns } from "../../../src/schedule/trigger/upcoming_runs.ts";

const TRIGGERS: Trigger[] = [
  { type: "cron", expression: "*/7 * * * *" },
  { type: "cron", expression: "30 2 * * *", timezone: "Europe/Berlin" },
  { type: "cron", expression: "*/20 * * * * *" },
  { type: "interval", every: "6h", startAt: "2026-01-01T00:00:00Z" },
  { type: "once", at: "2026-03-29T12:00:00Z" },
];

Deno.test("memoized occurrences equal nextRuns for instants moving forward, back and across DST", () => {
  const upcoming = new UpcomingRuns();
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let now = Date.parse("2026-03-28T00:00:00Z");
  for (let i = 0; i < 400; i++) {
    // mostly forward in small steps, sometimes a jump back (manual clocks in tests do that)
    now += random() < 0.1 ? -random() * 3 * 86_400_000 : random() * 3_600_000;
    for (const trigger of TRIGGERS) {
      const expected = nextRuns(trigger, "UTC", new Date(now), 5).map((d) => d.getTime());
      assert.deepEqual(
        upcoming.next(trigger, "UTC", now, 5),
        expected,
        `${JSON.stringify(trigger)} at ${now}`,
      );
    }
  }
});

Deno.test("an exact occurrence instant is not 'after' itself", () => {
  const upcoming = new UpcomingRuns();
  const trigger: Trigger = { type: "cron", expression: "0 * * * *" };
  const t = Date.parse("2026-11-23T10:00:00Z");
  upcoming.next(trigger, "UTC", t - 1, 3);
  assert.deepEqual(upcoming.next(trigger, "UTC", t, 2), [t + 3_600_000, t + 7_200_000]);
});
