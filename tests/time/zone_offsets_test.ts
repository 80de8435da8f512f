import assert from "node:assert/strict";
import { zoneOffsets } from "../../src/time/zone_offsets.ts";

const H = 3_600_000;
const utc = (iso: string) => Date.parse(iso);
/** Wall-clock `iso` (no offset) as "local ms since the local epoch". */
const wall = (iso: string) => Date.parse(`${iso}Z`);

/** [what it proves, zone, instant, offset in hours] */
const OFFSETS: [string, string, string, number][] = [
  ["UTC has no offset", "UTC", "2026-07-01T12:00:00Z", 0],
  ["Berlin is +1 in winter", "Europe/Berlin", "2026-01-15T12:00:00Z", 1],
  ["Berlin is +2 in summer", "Europe/Berlin", "2026-07-01T12:00:00Z", 2],
  ["New York is -5 in winter", "America/New_York", "2026-01-15T12:00:00Z", -5],
  ["New York is -4 in summer", "America/New_York", "2026-07-01T12:00:00Z", -4],
  ["Kolkata is +5:30 all year", "Asia/Kolkata", "2026-07-01T12:00:00Z", 5.5],
  ["St. John's is -3:30 in winter", "America/St_Johns", "2026-01-15T12:00:00Z", -3.5],
  [
    "Lord Howe moves by half an hour (+10:30 in July)",
    "Australia/Lord_Howe",
    "2026-07-01T12:00:00Z",
    10.5,
  ],
  ["Lord Howe is +11 in January", "Australia/Lord_Howe", "2026-01-15T12:00:00Z", 11],
  [
    "the last instant before Berlin's spring change is +1",
    "Europe/Berlin",
    "2026-03-29T00:59:59.999Z",
    1,
  ],
  ["Berlin's spring change is at 01:00Z", "Europe/Berlin", "2026-03-29T01:00:00Z", 2],
  ["Berlin's autumn change is at 01:00Z", "Europe/Berlin", "2026-10-25T01:00:00Z", 1],
];

Deno.test("zone offsets: the offset in force at an instant", async (t) => {
  for (const [what, zone, instant, hours] of OFFSETS) {
    await t.step(what, () => {
      const z = zoneOffsets(zone);
      assert.equal(z.offset(utc(instant)), hours * H);
      assert.equal(z.rawOffset(utc(instant)), hours * H, "the cache agrees with Intl");
    });
  }
});

/** [what it proves, zone, wall-clock time, the first instant at or after it] */
const FIRST_INSTANTS: [string, string, string, string][] = [
  [
    "an ordinary time maps to one instant",
    "Europe/Berlin",
    "2026-07-01T14:00:00",
    "2026-07-01T12:00:00Z",
  ],
  [
    "a time in the spring gap maps to the gap's end",
    "Europe/Berlin",
    "2026-03-29T02:30:00",
    "2026-03-29T01:00:00Z",
  ],
  [
    "a time in the autumn fold maps to its first occurrence",
    "Europe/Berlin",
    "2026-10-25T02:30:00",
    "2026-10-25T00:30:00Z",
  ],
  [
    "a half-hour zone is exact to the minute",
    "Asia/Kolkata",
    "2026-03-01T09:00:00",
    "2026-03-01T03:30:00Z",
  ],
];

Deno.test("zone offsets: wall-clock time to the first instant that reaches it", async (t) => {
  for (const [what, zone, local, expected] of FIRST_INSTANTS) {
    await t.step(what, () => {
      const z = zoneOffsets(zone);
      assert.equal(
        new Date(z.firstInstantAtOrAfter(wall(local))).toISOString(),
        new Date(expected).toISOString(),
      );
    });
  }
});

Deno.test("zone offsets: local time", async (t) => {
  const berlin = zoneOffsets("Europe/Berlin");
  await t.step("local time is the instant plus the offset", () => {
    assert.equal(berlin.localMs(utc("2026-07-01T12:00:00Z")), wall("2026-07-01T14:00:00"));
  });
  await t.step("local time never goes back through an autumn fold (monotone)", () => {
    let last = -Infinity;
    for (let t = utc("2026-10-24T23:00:00Z"); t <= utc("2026-10-25T03:00:00Z"); t += 60_000) {
      const local = berlin.localMs(t);
      assert.ok(local >= last, new Date(t).toISOString());
      last = local;
    }
  });
  await t.step("after the fold local time runs on at the new offset", () => {
    assert.equal(berlin.localMs(utc("2026-10-25T02:00:00Z")), wall("2026-10-25T03:00:00"));
  });
  await t.step("one table per zone, shared", () => {
    assert.equal(zoneOffsets("Europe/Berlin"), berlin);
  });
});
