import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import { nextCronRun } from "../../../src/schedule/trigger/cron.ts";

const at = (iso: string) => Date.parse(iso);

/** [what it proves, expression, zone, from, the next run (ISO)] */
const NEXT: [string, string, string, string, string][] = [
  [
    "a daily time fires later the same day",
    "0 2 * * *",
    "UTC",
    "2026-03-01T00:00:00Z",
    "2026-03-01T02:00:00Z",
  ],
  [
    "the next run is strictly after `from`",
    "0 2 * * *",
    "UTC",
    "2026-03-01T02:00:00Z",
    "2026-03-02T02:00:00Z",
  ],
  [
    "six fields put seconds first",
    "*/15 * * * * *",
    "UTC",
    "2026-03-01T00:00:00Z",
    "2026-03-01T00:00:15Z",
  ],
  [
    "@hourly is minute 0 of every hour",
    "@hourly",
    "UTC",
    "2026-03-01T00:10:00Z",
    "2026-03-01T01:00:00Z",
  ],
  ["nicknames ignore case", "@DAILY", "UTC", "2026-03-01T00:10:00Z", "2026-03-02T00:00:00Z"],
  [
    "day-of-month and day-of-week are OR-ed (Vixie cron)",
    "0 0 13 * 5",
    "UTC",
    "2026-03-01T00:00:00Z",
    "2026-03-06T00:00:00Z",
  ],
  ["day-of-week 7 is Sunday", "0 0 * * 7", "UTC", "2026-03-02T00:00:00Z", "2026-03-08T00:00:00Z"],
  [
    "a zone's wall clock is used",
    "0 2 * * *",
    "Europe/Berlin",
    "2026-01-10T00:00:00Z",
    "2026-01-10T01:00:00Z",
  ],
  [
    "summer time moves the instant an hour",
    "0 2 * * *",
    "Europe/Berlin",
    "2026-07-09T12:00:00Z",
    "2026-07-10T00:00:00Z",
  ],
  [
    "a time in the spring-forward gap is skipped that day",
    "30 2 * * *",
    "Europe/Berlin",
    "2026-03-28T12:00:00Z",
    "2026-03-30T00:30:00Z",
  ],
  [
    "a time in the fall-back fold fires at its first occurrence",
    "30 2 * * *",
    "Europe/Berlin",
    "2026-10-24T12:00:00Z",
    "2026-10-25T00:30:00Z",
  ],
  [
    "a fold time does not fire a second time",
    "30 2 * * *",
    "Europe/Berlin",
    "2026-10-25T00:30:00Z",
    "2026-10-26T01:30:00Z",
  ],
  [
    "a half-hour zone keeps its offset",
    "0 9 * * *",
    "Asia/Kolkata",
    "2026-03-01T00:00:00Z",
    "2026-03-01T03:30:00Z",
  ],
];

Deno.test("cron: next runs by behaviour", async (t) => {
  for (const [what, expression, zone, from, expected] of NEXT) {
    await t.step(what, () => {
      const next = nextCronRun(expression, zone, at(from));
      assert.equal(
        next === null ? null : new Date(next).toISOString(),
        new Date(expected).toISOString(),
      );
    });
  }
});

/** [what it proves, expression, the message names] */
const INVALID: [string, string, RegExp][] = [
  ["an hour past 23 names the field and range", "0 25 * * *", /hour 25 out of range 0-23/],
  ["a minute past 59 names the field", "60 * * * *", /minute 60 out of range 0-59/],
  ["a month of 13 names the field", "0 0 1 13 *", /month 13 out of range 1-12/],
  ["a step of 0 is refused", "*/0 * * * *", /step "0" must be a whole number from 1/],
  ["three fields are too few", "* * *", /expected 5 fields .* got 3/],
  ["seven fields are too many", "* * * * * * *", /got 7/],
  [
    "an unknown nickname lists the known ones",
    "@fortnightly",
    /unknown nickname; expected one of @yearly/,
  ],
  ["words croner cannot read are refused", "every day", /invalid cron/],
];

Deno.test("cron: invalid expressions by behaviour", async (t) => {
  for (const [what, expression, message] of INVALID) {
    await t.step(what, () => {
      assert.throws(
        () => nextCronRun(expression, "UTC", at("2026-03-01T00:00:00Z")),
        (e: unknown) =>
          e instanceof NightpullError && e.code === "invalid_cron" &&
          e.details?.field === "trigger.expression" && message.test(e.message),
      );
    });
  }
});
