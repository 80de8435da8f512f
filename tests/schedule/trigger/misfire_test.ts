import assert from "node:assert/strict";
import {
  type DuePlan,
  MAX_COUNTED,
  planDueOccurrences,
} from "../../../src/schedule/trigger/misfire.ts";
import type { Trigger } from "../../../src/store/records.ts";

const T = Date.parse("2026-03-01T00:00:00Z");
const S = 1000;
const M = 60 * S;
const EVERY_MINUTE: Trigger = { type: "cron", expression: "* * * * *" };

/** [what it proves, trigger, first due, now, grace, the plan] */
const CASES: [string, Trigger, number, number, number, DuePlan][] = [
  [
    "an occurrence handled at its time fires on time",
    EVERY_MINUTE,
    T + M,
    T + M,
    10 * M,
    { fire: { plannedAt: T + M, catchup: false }, missed: null, cursor: T + M, next: T + 2 * M },
  ],
  [
    "a few seconds of timer delay still count as on time",
    EVERY_MINUTE,
    T + M,
    T + M + 3 * S,
    10 * M,
    { fire: { plannedAt: T + M, catchup: false }, missed: null, cursor: T + M, next: T + 2 * M },
  ],
  [
    "more than 5 s late is a catch-up",
    EVERY_MINUTE,
    T + M,
    T + M + 6 * S,
    10 * M,
    { fire: { plannedAt: T + M, catchup: true }, missed: null, cursor: T + M, next: T + 2 * M },
  ],
  [
    "several due within the grace coalesce into one run of the latest",
    EVERY_MINUTE,
    T + M,
    T + 5 * M,
    10 * M,
    {
      fire: { plannedAt: T + 5 * M, catchup: true },
      missed: null,
      cursor: T + 5 * M,
      next: T + 6 * M,
    },
  ],
  [
    "occurrences older than the grace are counted as missed, the rest coalesce",
    EVERY_MINUTE,
    T + M,
    T + 60 * M,
    10 * M,
    {
      fire: { plannedAt: T + 60 * M, catchup: true },
      missed: { count: 49, first: T + M, last: T + 49 * M },
      cursor: T + 60 * M,
      next: T + 61 * M,
    },
  ],
  [
    "with no grace every late occurrence is missed and nothing fires",
    EVERY_MINUTE,
    T + M,
    T + 60 * M + 30 * S,
    0,
    {
      fire: null,
      missed: { count: 60, first: T + M, last: T + 60 * M },
      cursor: T + 60 * M,
      next: T + 61 * M,
    },
  ],
  [
    "a once trigger that fired has no next time",
    { type: "once", at: new Date(T + M).toISOString() },
    T + M,
    T + M,
    10 * M,
    { fire: { plannedAt: T + M, catchup: false }, missed: null, cursor: T + M, next: null },
  ],
  [
    "counting stops at MAX_COUNTED and jumps to the grace boundary",
    { type: "cron", expression: "* * * * * *" },
    T + S,
    T + 86_400 * S,
    0,
    {
      fire: { plannedAt: T + 86_400 * S, catchup: true },
      missed: { count: MAX_COUNTED, first: T + S, last: T + MAX_COUNTED * S },
      cursor: T + 86_400 * S,
      next: T + 86_401 * S,
    },
  ],
];

Deno.test("misfire: due occurrences by behaviour", async (t) => {
  for (const [what, trigger, firstDue, now, grace, plan] of CASES) {
    await t.step(what, () => {
      assert.deepEqual(planDueOccurrences(trigger, "UTC", firstDue, now, grace), plan);
    });
  }
});
