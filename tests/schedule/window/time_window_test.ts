import assert from "node:assert/strict";
import type { TimeWindow } from "../../../src/store/records.ts";
import {
  compileTimeWindow,
  isOpenAt,
  nextClosing,
  nextOpening,
  nextTransitions,
} from "../../../src/schedule/window/time_window.ts";
import {
  normalizeTimeWindow,
  parseDays,
  parseWindowRange,
} from "../../../src/schedule/window/time_window_input.ts";
import { NightpullError } from "../../../src/errors.ts";

const t = (iso: string) => Date.parse(iso);
const w = (windows: TimeWindow["windows"], timezone = "UTC") =>
  compileTimeWindow({ windows, timezone });

const NIGHT = w([{ start: "22:00", end: "07:00" }]);
const NIGHT_MON = w([{ start: "22:00", end: "07:00", days: ["mon"] }]);
const OFFICE = w([{ start: "09:00", end: "17:00", days: ["mon", "tue", "wed", "thu", "fri"] }]);
const TWO = w([{ start: "01:00", end: "03:00" }, { start: "13:00", end: "14:00" }]);
const EVENING = w([{ start: "20:00", end: "24:00" }]);
const BERLIN_NIGHT = w([{ start: "22:00", end: "07:00" }], "Europe/Berlin");
const GAP = w([{ start: "02:30", end: "04:00" }], "Europe/Berlin");
const FOLD_END = w([{ start: "01:00", end: "02:30" }], "Europe/Berlin");
const FOLD_START = w([{ start: "02:30", end: "05:00" }], "Europe/Berlin");
const FOLD_THREE = w([{ start: "03:00", end: "04:00" }], "Europe/Berlin");
const NY_GAP = w([{ start: "02:15", end: "03:30" }], "America/New_York");
const NY_FOLD = w([{ start: "01:30", end: "01:45" }], "America/New_York");

// 2026-11-23 is a Monday; 2026-03-29 and 2026-10-25 (Berlin DST) and 2026-03-08 and
// 2026-11-01 (New York DST) are Sundays.
const OPEN_CASES: [string, ReturnType<typeof w>, string, boolean][] = [
  ["start is inclusive", NIGHT, "2026-11-23T22:00:00.000Z", true],
  ["just before start", NIGHT, "2026-11-23T21:59:59.999Z", false],
  ["just before end", NIGHT, "2026-11-24T06:59:59.999Z", true],
  ["end is exclusive", NIGHT, "2026-11-24T07:00:00.000Z", false],
  ["after midnight", NIGHT, "2026-11-24T03:00:00.000Z", true],
  ["midday", NIGHT, "2026-11-24T12:00:00.000Z", false],
  ["midnight itself", NIGHT, "2026-11-24T00:00:00.000Z", true],
  ["mon window, mon night", NIGHT_MON, "2026-11-23T23:00:00.000Z", true],
  ["mon window, tue early morning belongs to mon", NIGHT_MON, "2026-11-24T03:00:00.000Z", true],
  ["mon window, tue night", NIGHT_MON, "2026-11-24T23:00:00.000Z", false],
  ["mon window, mon early morning belongs to sun", NIGHT_MON, "2026-11-23T03:00:00.000Z", false],
  ["office fri 16:59", OFFICE, "2026-11-27T16:59:59.999Z", true],
  ["office sat", OFFICE, "2026-11-28T10:00:00.000Z", false],
  ["office mon 09:00", OFFICE, "2026-11-23T09:00:00.000Z", true],
  ["office mon 17:00", OFFICE, "2026-11-23T17:00:00.000Z", false],
  ["two windows, first", TWO, "2026-11-23T02:00:00.000Z", true],
  ["two windows, second", TWO, "2026-11-23T13:30:00.000Z", true],
  ["two windows, between", TWO, "2026-11-23T12:00:00.000Z", false],
  ["end 24:00, last ms", EVENING, "2026-11-23T23:59:59.999Z", true],
  ["end 24:00, midnight", EVENING, "2026-11-24T00:00:00.000Z", false],
  ["berlin summer 22:00 CEST", BERLIN_NIGHT, "2026-07-01T20:00:00.000Z", true],
  ["berlin summer 21:59 CEST", BERLIN_NIGHT, "2026-07-01T19:59:59.999Z", false],
  ["berlin winter 22:00 CET", BERLIN_NIGHT, "2026-01-15T21:00:00.000Z", true],
  ["berlin winter 07:00 CET", BERLIN_NIGHT, "2026-01-16T06:00:00.000Z", false],
  ["gap: before the jump", GAP, "2026-03-29T00:59:59.999Z", false],
  ["gap: 02:30 start opens at 03:00 CEST", GAP, "2026-03-29T01:00:00.000Z", true],
  ["fold: first 02:29 open", FOLD_END, "2026-10-25T00:29:59.999Z", true],
  ["fold: first 02:30 closes", FOLD_END, "2026-10-25T00:30:00.000Z", false],
  ["fold: second 02:15 stays closed", FOLD_END, "2026-10-25T01:15:00.000Z", false],
  ["fold: start at first 02:30", FOLD_START, "2026-10-25T00:30:00.000Z", true],
  ["fold: stays open through the repeated hour", FOLD_START, "2026-10-25T01:15:00.000Z", true],
  ["fold: 03:00 start not early", FOLD_THREE, "2026-10-25T01:59:59.999Z", false],
  ["fold: 03:00 CET opens", FOLD_THREE, "2026-10-25T02:00:00.000Z", true],
  ["new york gap: opens at 03:00 EDT", NY_GAP, "2026-03-08T07:00:00.000Z", true],
  ["new york gap: closed before", NY_GAP, "2026-03-08T06:59:59.999Z", false],
  ["new york fold: first 01:30 EDT", NY_FOLD, "2026-11-01T05:30:00.000Z", true],
  ["new york fold: second 01:30 EST closed", NY_FOLD, "2026-11-01T06:30:00.000Z", false],
];

for (const [name, window, iso, open] of OPEN_CASES) {
  Deno.test(`isOpenAt: ${name}`, () => assert.equal(isOpenAt(window, t(iso)), open));
}

const NEXT_CASES: [string, ReturnType<typeof w>, string, string | null, string | null][] = [
  [
    "night from noon",
    NIGHT,
    "2026-11-23T12:00:00Z",
    "2026-11-23T22:00:00.000Z",
    "2026-11-24T07:00:00.000Z",
  ],
  [
    "night from inside",
    NIGHT,
    "2026-11-24T01:00:00Z",
    "2026-11-24T22:00:00.000Z",
    "2026-11-24T07:00:00.000Z",
  ],
  [
    "exactly at opening: next is tomorrow",
    NIGHT,
    "2026-11-23T22:00:00Z",
    "2026-11-24T22:00:00.000Z",
    "2026-11-24T07:00:00.000Z",
  ],
  [
    "mon-only from tue",
    NIGHT_MON,
    "2026-11-24T12:00:00Z",
    "2026-11-30T22:00:00.000Z",
    "2026-12-01T07:00:00.000Z",
  ],
  [
    "office from fri evening",
    OFFICE,
    "2026-11-27T18:00:00Z",
    "2026-11-30T09:00:00.000Z",
    "2026-11-30T17:00:00.000Z",
  ],
  [
    "berlin summer opening in UTC",
    BERLIN_NIGHT,
    "2026-07-01T12:00:00Z",
    "2026-07-01T20:00:00.000Z",
    "2026-07-02T05:00:00.000Z",
  ],
  [
    "gap start opens at first valid instant",
    GAP,
    "2026-03-28T23:00:00Z",
    "2026-03-29T01:00:00.000Z",
    "2026-03-29T02:00:00.000Z",
  ],
  [
    "fold end closes at first occurrence",
    FOLD_END,
    "2026-10-24T23:30:00Z",
    "2026-10-26T00:00:00.000Z",
    "2026-10-25T00:30:00.000Z",
  ],
];

for (const [name, window, from, opening, closing] of NEXT_CASES) {
  Deno.test(`nextOpening/nextClosing: ${name}`, () => {
    const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
    assert.equal(iso(nextOpening(window, t(from))), opening);
    assert.equal(iso(nextClosing(window, t(from))), closing);
  });
}

Deno.test("a window swallowed by a DST gap does not open that day", () => {
  const swallowed = w([{ start: "02:00", end: "02:30", days: ["sun"] }], "Europe/Berlin");
  // Sunday 2026-03-29 02:00-02:30 does not exist in Berlin; the next is Sunday 2026-04-05.
  assert.equal(
    new Date(nextOpening(swallowed, t("2026-03-28T12:00:00Z"))!).toISOString(),
    "2026-04-05T00:00:00.000Z",
  );
});

Deno.test("a window covering the whole week never closes", () => {
  const always = w([{ start: "00:00", end: "12:00" }, { start: "12:00", end: "24:00" }]);
  assert.equal(isOpenAt(always, t("2026-11-23T12:00:00Z")), true);
  assert.equal(nextClosing(always, t("2026-11-23T12:00:00Z")), null);
  assert.equal(nextOpening(always, t("2026-11-23T12:00:00Z")), null);
});

Deno.test("overlapping windows act as their union", () => {
  const overlap = w([{ start: "10:00", end: "12:00" }, { start: "11:00", end: "13:00" }]);
  assert.equal(isOpenAt(overlap, t("2026-11-23T12:30:00Z")), true);
  assert.equal(
    new Date(nextClosing(overlap, t("2026-11-23T10:30:00Z"))!).toISOString(),
    "2026-11-23T13:00:00.000Z",
  );
});

Deno.test("nextTransitions alternates open and close", () => {
  const list = nextTransitions(NIGHT, t("2026-11-23T12:00:00Z"), 3).map((x) => [
    new Date(x.at).toISOString(),
    x.open,
  ]);
  assert.deepEqual(list, [
    ["2026-11-23T22:00:00.000Z", true],
    ["2026-11-24T07:00:00.000Z", false],
    ["2026-11-24T22:00:00.000Z", true],
  ]);
});

Deno.test("parseWindowRange and parseDays normalize people's input", () => {
  assert.deepEqual(parseWindowRange("22:00-07:00"), { start: "22:00", end: "07:00" });
  assert.deepEqual(parseWindowRange("8:05-9:00"), { start: "08:05", end: "09:00" });
  assert.deepEqual(parseWindowRange("20:00-24:00"), { start: "20:00", end: "24:00" });
  assert.deepEqual(parseDays("mon-fri"), ["mon", "tue", "wed", "thu", "fri"]);
  assert.deepEqual(parseDays("weekends"), ["sat", "sun"]);
  assert.deepEqual(parseDays("sat-mon"), ["mon", "sat", "sun"]);
  assert.deepEqual(parseDays("wed,mon,wed"), ["mon", "wed"]);
  assert.deepEqual(parseDays(["Monday", "FRI"]), ["mon", "fri"]);
});

Deno.test("normalizeTimeWindow returns one normalized form", () => {
  assert.deepEqual(
    normalizeTimeWindow({
      windows: ["22:00-07:00", { start: "9:00", end: "10:00", days: "mon-sun" }],
      timezone: "Europe/Berlin",
      onEnd: "pause",
    }),
    {
      windows: [{ start: "22:00", end: "07:00" }, { start: "09:00", end: "10:00" }],
      timezone: "Europe/Berlin",
      onEnd: "pause",
    },
  );
  assert.deepEqual(
    normalizeTimeWindow({ windows: [{ start: "01:00", end: "02:00", days: ["tue", "mon"] }] }),
    {
      windows: [{ start: "01:00", end: "02:00", days: ["mon", "tue"] }],
      onEnd: "continue",
    },
  );
});

const INVALID: [string, unknown, string, RegExp][] = [
  [
    "hour out of range",
    { windows: ["25:00-07:00"] },
    "invalid_window",
    /hour 25 out of range 0-23/,
  ],
  [
    "minute out of range",
    { windows: ["22:60-07:00"] },
    "invalid_window",
    /minute 60 out of range 0-59/,
  ],
  ["start equals end", { windows: ["22:00-22:00"] }, "invalid_window", /start equals end/],
  [
    "not a range",
    { windows: ["2200-0700"] },
    "invalid_window",
    /expected HH:MM|expected START-END/,
  ],
  ["24:00 as start", { windows: ["24:00-07:00"] }, "invalid_window", /hour 24 out of range/],
  [
    "unknown day",
    { windows: [{ start: "01:00", end: "02:00", days: ["mon", "xyz"] }] },
    "invalid_window",
    /unknown day "xyz"/,
  ],
  [
    "unknown field in range",
    { windows: [{ start: "01:00", end: "02:00", from: 1 }] },
    "unknown_field",
    /unknown field "from"/,
  ],
  [
    "unknown field in window",
    { windows: ["01:00-02:00"], tz: "UTC" },
    "unknown_field",
    /unknown field "tz"/,
  ],
  [
    "unknown timezone",
    { windows: ["01:00-02:00"], timezone: "Mars/Base" },
    "invalid_timezone",
    /unknown timezone "Mars\/Base"/,
  ],
  [
    "bad onEnd",
    { windows: ["01:00-02:00"], onEnd: "stop" },
    "invalid_window",
    /expected "continue" or "pause"/,
  ],
  ["empty windows", { windows: [] }, "invalid_window", /non-empty list/],
  ["not an object", "22:00-07:00", "invalid_window", /expected \{"windows"/],
];

for (const [name, input, code, message] of INVALID) {
  Deno.test(`normalizeTimeWindow refuses: ${name}`, () => {
    assert.throws(() => normalizeTimeWindow(input), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      assert.equal(e.status, 422);
      assert.ok(String(e.details?.field).startsWith("timeWindow"));
      return true;
    });
  });
}
