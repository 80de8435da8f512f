import assert from "node:assert/strict";
import { newRun } from "../../../src/schedule/runs/run_records.ts";
import {
  holdUntil,
  nextWindowCheck,
  pausesAtEnd,
  reopensAt,
  WINDOW_RECHECK_MS,
} from "../../../src/schedule/window/run_window.ts";
import type { Run, TimeWindow } from "../../../src/store/records.ts";
import { compileTimeWindow } from "../../../src/schedule/window/time_window.ts";

const T = Date.parse("2026-03-02T12:00:00Z"); // a Monday, noon UTC
const H = 3_600_000;
const NIGHT: TimeWindow = { windows: [{ start: "22:00", end: "07:00" }], onEnd: "continue" };
const NIGHT_PAUSE: TimeWindow = { ...NIGHT, onEnd: "pause" };
const night = compileTimeWindow(NIGHT, "UTC");
const nightPause = compileTimeWindow(NIGHT_PAUSE, "UTC");

const fresh = (extra: Partial<Run> = {}): Run => ({
  ...newRun({
    id: "r",
    scheduleId: "s",
    source: "hf:a/b",
    plannedAt: T,
    trigger: "schedule",
    now: T,
  }),
  ...extra,
});

/** [what it proves, run, window, now, resume at (null: may start now)] */
const HOLD: [string, Run, ReturnType<typeof compileTimeWindow> | null, number, number | null][] = [
  ["without a window a run starts", fresh(), null, T, null],
  ["inside the window a run starts", fresh(), night, T + 11 * H, null],
  ["outside the window a run not yet begun waits for the opening", fresh(), night, T, T + 10 * H],
  ["a forced run ignores the window", fresh({ forced: true }), night, T, null],
  [
    "a retry of a run that began goes on outside a continue window",
    fresh({ attempt: 2 }),
    night,
    T,
    null,
  ],
  [
    "a retry outside a pause window waits for the opening",
    fresh({ attempt: 2 }),
    nightPause,
    T,
    T + 10 * H,
  ],
  [
    "a resumed run that began waits for a pause window",
    fresh({ startedAt: new Date(T - H).toISOString() }),
    nightPause,
    T,
    T + 10 * H,
  ],
];

Deno.test("run window: whether a run may start now, by behaviour", async (t) => {
  for (const [what, run, window, now, expected] of HOLD) {
    await t.step(what, () => assert.equal(holdUntil(run, window, now), expected));
  }
});

Deno.test("run window: pausing and checking a running run, by behaviour", async (t) => {
  await t.step("a pause window pauses a run at its end", () => {
    assert.equal(pausesAtEnd(fresh(), nightPause), true);
  });
  await t.step("a continue window lets a run finish", () => {
    assert.equal(pausesAtEnd(fresh(), night), false);
  });
  await t.step("a forced run is never paused", () => {
    assert.equal(pausesAtEnd(fresh({ forced: true }), nightPause), false);
  });
  await t.step("no window, no pause", () => assert.equal(pausesAtEnd(fresh(), null), false));
  await t.step("a closed window needs no check", () => {
    assert.equal(nextWindowCheck(nightPause, T), null);
  });
  await t.step("far from the closing the window is re-read once a minute", () => {
    assert.equal(nextWindowCheck(nightPause, T + 11 * H), WINDOW_RECHECK_MS);
  });
  await t.step("near the closing the check is at the closing", () => {
    // 06:59:30 the next morning: 30 s before the window closes
    assert.equal(nextWindowCheck(nightPause, T + 19 * H - 30_000), 30_000);
  });
  await t.step("the reopening of a closed window is its next opening", () => {
    assert.equal(reopensAt(night, T), T + 10 * H);
  });
});
