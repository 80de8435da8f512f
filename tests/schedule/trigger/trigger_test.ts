import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import { nextRuns, validateTrigger } from "../../../src/schedule/trigger/trigger.ts";
import type { Trigger } from "../../../src/store/records.ts";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const NOW = new Date("2026-01-01T00:00:00Z");

const CASES: { name: string; trigger: Trigger; tz: string; from: string; want: string[] }[] = [
  {
    name: "5 fields, daily at 02:00 Berlin",
    trigger: { type: "cron", expression: "0 2 * * *" },
    tz: "Europe/Berlin",
    from: "2026-01-10T12:00:00Z",
    want: ["2026-01-11T01:00:00.000Z", "2026-01-12T01:00:00.000Z"],
  },
  {
    name: "6 fields, every second",
    trigger: { type: "cron", expression: "* * * * * *" },
    tz: "UTC",
    from: "2026-01-10T12:00:00.400Z",
    want: ["2026-01-10T12:00:01.000Z", "2026-01-10T12:00:02.000Z", "2026-01-10T12:00:03.000Z"],
  },
  {
    name: "strictly after from",
    trigger: { type: "cron", expression: "0 * * * *" },
    tz: "UTC",
    from: "2026-01-10T12:00:00.000Z",
    want: ["2026-01-10T13:00:00.000Z"],
  },
  {
    name: "@weekly is Sunday midnight",
    trigger: { type: "cron", expression: "@weekly", timezone: "UTC" },
    tz: "Europe/Berlin",
    from: "2026-01-01T00:00:00Z",
    want: ["2026-01-04T00:00:00.000Z", "2026-01-11T00:00:00.000Z"],
  },
  {
    name: "@monthly",
    trigger: { type: "cron", expression: "@monthly" },
    tz: "UTC",
    from: "2026-01-15T00:00:00Z",
    want: ["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"],
  },
  {
    name: "Vixie OR: the 13th or any Friday",
    trigger: { type: "cron", expression: "0 0 13 * 5" },
    tz: "UTC",
    from: "2026-01-01T00:00:00Z",
    want: [
      "2026-01-02T00:00:00.000Z",
      "2026-01-09T00:00:00.000Z",
      "2026-01-13T00:00:00.000Z",
      "2026-01-16T00:00:00.000Z",
    ],
  },
  {
    name: "Berlin spring-forward gap: 02:30 on 2026-03-29 does not exist and is skipped",
    trigger: { type: "cron", expression: "30 2 * * *" },
    tz: "Europe/Berlin",
    from: "2026-03-27T12:00:00Z",
    want: ["2026-03-28T01:30:00.000Z", "2026-03-30T00:30:00.000Z"],
  },
  {
    name: "Berlin gap for an every-30-minutes job",
    trigger: { type: "cron", expression: "*/30 * * * *" },
    tz: "Europe/Berlin",
    from: "2026-03-29T00:15:00Z",
    want: ["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z"], // 01:30 CET, then 03:00 CEST
  },
  {
    name: "Berlin fall-back fold: 02:30 on 2026-10-25 fires once",
    trigger: { type: "cron", expression: "30 2 * * *" },
    tz: "Europe/Berlin",
    from: "2026-10-24T12:00:00Z",
    want: ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
  },
  {
    name: "Berlin fold for an every-30-minutes job: each wall time once",
    trigger: { type: "cron", expression: "*/30 * * * *" },
    tz: "Europe/Berlin",
    from: "2026-10-24T23:45:00Z",
    want: [
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T02:00:00.000Z", // 03:00 CET (02:00 and 02:30 CET repeat)
    ],
  },
  {
    name: "New York gap: 02:00 on 2026-03-08 does not exist",
    trigger: { type: "cron", expression: "0 2 * * *", timezone: "America/New_York" },
    tz: "UTC",
    from: "2026-03-07T12:00:00Z",
    want: ["2026-03-09T06:00:00.000Z"],
  },
  {
    name: "New York fold: 01:30 on 2026-11-01 fires once",
    trigger: { type: "cron", expression: "30 1 * * *", timezone: "America/New_York" },
    tz: "UTC",
    from: "2026-10-31T12:00:00Z",
    want: ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"],
  },
  {
    name: "interval with startAt in the future starts there",
    trigger: { type: "interval", every: "6h", startAt: "2026-01-10T00:00:00+01:00" },
    tz: "UTC",
    from: "2026-01-01T00:00:00Z",
    want: ["2026-01-09T23:00:00.000Z", "2026-01-10T05:00:00.000Z"],
  },
  {
    name: "interval with startAt in the past keeps its grid",
    trigger: { type: "interval", every: "1h30m", startAt: "2026-01-01T00:00:00Z" },
    tz: "UTC",
    from: "2026-01-01T02:00:00Z",
    want: ["2026-01-01T03:00:00.000Z", "2026-01-01T04:30:00.000Z"],
  },
  {
    name: "interval without startAt counts from the given instant",
    trigger: { type: "interval", every: "10m" },
    tz: "UTC",
    from: "2026-01-01T00:00:05Z",
    want: ["2026-01-01T00:10:05.000Z", "2026-01-01T00:20:05.000Z"],
  },
  {
    name: "once fires once, then never",
    trigger: { type: "once", at: "2026-02-01T10:00:00+02:00" },
    tz: "UTC",
    from: "2026-01-01T00:00:00Z",
    want: ["2026-02-01T08:00:00.000Z"],
  },
];

for (const c of CASES) {
  Deno.test(`nextRuns: ${c.name}`, () => {
    const got = iso(nextRuns(c.trigger, c.tz, new Date(c.from), c.want.length));
    assert.deepEqual(got, c.want);
  });
}

Deno.test("nextRuns: a once in the past has no next run", () => {
  assert.deepEqual(
    nextRuns({ type: "once", at: "2026-01-01T00:00:00Z" }, "UTC", new Date("2026-01-02"), 3),
    [],
  );
});

const INVALID: { trigger: unknown; code: string; field: string; message: RegExp }[] = [
  {
    trigger: { type: "cron", expression: "0 25 * * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /^invalid cron "0 25 \* \* \*": hour 25 out of range 0-23$/,
  },
  {
    trigger: { type: "cron", expression: "61 * * * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /minute 61 out of range 0-59/,
  },
  {
    trigger: { type: "cron", expression: "0 0 32 * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /day-of-month 32 out of range 1-31/,
  },
  {
    trigger: { type: "cron", expression: "0 0 * 13 *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /month 13 out of range 1-12/,
  },
  {
    trigger: { type: "cron", expression: "0 0 * * 8" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /day-of-week 8 out of range 0-7/,
  },
  {
    trigger: { type: "cron", expression: "* * * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /expected 5 fields .* got 4/,
  },
  {
    trigger: { type: "cron", expression: "*/0 * * * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /minute step "0"/,
  },
  {
    trigger: { type: "cron", expression: "5-1 * * * *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /From value is larger than to value/,
  },
  {
    trigger: { type: "cron", expression: "0 0 30 2 *" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /never fires/,
  },
  {
    trigger: { type: "cron", expression: "@reboot" },
    code: "invalid_cron",
    field: "trigger.expression",
    message: /unknown nickname/,
  },
  {
    trigger: { type: "cron", expression: "0 2 * * *", timezone: "Mars/Olympus" },
    code: "invalid_timezone",
    field: "trigger.timezone",
    message: /unknown timezone "Mars\/Olympus"/,
  },
  {
    trigger: { type: "interval", every: "30s" },
    code: "invalid_interval",
    field: "trigger.every",
    message: /shorter than the minimum "1m"/,
  },
  {
    trigger: { type: "interval", every: "often" },
    code: "invalid_interval",
    field: "trigger.every",
    message: /invalid trigger.every "often"/,
  },
  {
    trigger: { type: "interval", every: "1h", startAt: "2026-01-01 00:00" },
    code: "invalid_input",
    field: "trigger.startAt",
    message: /ISO 8601 time with offset/,
  },
  {
    trigger: { type: "once", at: "2025-12-31T23:00:00Z" },
    code: "invalid_input",
    field: "trigger.at",
    message: /in the past/,
  },
  {
    trigger: { type: "once", at: "2026-05-01T10:00:00" },
    code: "invalid_input",
    field: "trigger.at",
    message: /with offset/,
  },
  {
    trigger: { type: "weekly" },
    code: "invalid_input",
    field: "trigger.type",
    message: /expected "cron", "interval" or "once"/,
  },
  {
    trigger: { type: "interval", every: "1h", timezone: "UTC" },
    code: "unknown_field",
    field: "trigger.timezone",
    message: /unknown field "trigger.timezone"/,
  },
  { trigger: "0 2 * * *", code: "invalid_input", field: "trigger", message: /must be an object/ },
];

for (const c of INVALID) {
  Deno.test(`validateTrigger refuses ${JSON.stringify(c.trigger)}`, () => {
    assert.throws(() => validateTrigger(c.trigger, NOW, "UTC"), (err: unknown) => {
      assert.ok(err instanceof NightpullError);
      assert.equal(err.code, c.code);
      assert.equal(err.details?.field, c.field);
      assert.match(err.message, c.message);
      return true;
    });
  });
}

Deno.test("validateTrigger fills the default zone into a cron trigger", () => {
  assert.deepEqual(
    validateTrigger({ type: "cron", expression: " 0 2 * * * " }, NOW, "Europe/Berlin"),
    { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
  );
  assert.deepEqual(validateTrigger({ type: "interval", every: "6h" }, NOW, "UTC"), {
    type: "interval",
    every: "6h",
  });
});
