import assert from "node:assert/strict";
import { type ClaimContext, planClaim } from "../../../src/schedule/trigger/occurrence_plan.ts";
import type { Schedule } from "../../../src/store/records.ts";
import type { ScheduleEntry } from "../../../src/store/mod.ts";

const T = Date.parse("2026-03-01T00:00:00Z");
const M = 60_000;

function entry(
  extra: Partial<Schedule> = {},
  state: Partial<ScheduleEntry["state"]> = {},
): ScheduleEntry {
  return {
    schedule: {
      id: "S",
      name: "s",
      source: "hf:acme/model",
      include: ["*"],
      exclude: [],
      layout: "hf-cache",
      trigger: { type: "cron", expression: "* * * * *" },
      retry: { attempts: 4, backoff: "30s", factor: 2, maxBackoff: "30m" },
      misfireGrace: "10m",
      overlap: "skip",
      priority: 7,
      status: "active",
      createdAt: new Date(T).toISOString(),
      updatedAt: new Date(T).toISOString(),
      ...extra,
    },
    state: { cursor: T, nextAt: T + M, activeRunId: null, queuedRunId: null, ...state },
    scheduleVersion: "v1",
    stateVersion: "v2",
  };
}

const ctx = (extra: Partial<ClaimContext> = {}): ClaimContext => ({
  now: T + M,
  timezone: "UTC",
  owner: "me",
  leaseMs: 15_000,
  historyMs: 86_400_000,
  activeBusy: false,
  slotFree: true,
  windowOpen: true,
  ...extra,
});

/** [what it proves, entry, context, [status, reason] of each run, starts now, state changes] */
const CASES: [
  string,
  ScheduleEntry,
  ClaimContext,
  [string, string | null][],
  boolean,
  { activeRun: boolean; queuedRun: boolean },
][] = [
  [
    "a due occurrence with a free slot starts now, with a lease",
    entry(),
    ctx(),
    [["running", null]],
    true,
    {
      activeRun: true,
      queuedRun: false,
    },
  ],
  [
    "without a free slot the run waits pending",
    entry(),
    ctx({ slotFree: false }),
    [["pending", null]],
    false,
    {
      activeRun: true,
      queuedRun: false,
    },
  ],
  [
    "outside the window the occurrence is skipped",
    entry(),
    ctx({ windowOpen: false, nextOpen: T + 60 * M }),
    [["skipped", "outside_window"]],
    false,
    { activeRun: false, queuedRun: false },
  ],
  [
    "with overlap skip a busy schedule records a skip",
    entry({}, { activeRunId: "A" }),
    ctx({ activeBusy: true }),
    [["skipped", "overlap"]],
    false,
    { activeRun: true, queuedRun: false },
  ],
  [
    "with overlap queue a busy schedule queues one run",
    entry({ overlap: "queue" }, { activeRunId: "A" }),
    ctx({ activeBusy: true }),
    [["pending", null]],
    false,
    { activeRun: true, queuedRun: true },
  ],
  [
    "with overlap queue and one queued already, the next is skipped",
    entry({ overlap: "queue" }, { activeRunId: "A", queuedRunId: "Q" }),
    ctx({ activeBusy: true }),
    [["skipped", "overlap"]],
    false,
    { activeRun: true, queuedRun: true },
  ],
  [
    "occurrences past the grace are one missed record before the run",
    entry(),
    ctx({ now: T + 60 * M }),
    [["skipped", "missed"], ["running", null]],
    true,
    { activeRun: true, queuedRun: false },
  ],
];

Deno.test("occurrence plan: what a due occurrence becomes, by behaviour", async (t) => {
  for (const [what, e, c, runs, startsNow, state] of CASES) {
    await t.step(what, () => {
      const p = planClaim(e, c);
      assert.deepEqual(p.claim.runs.map((r) => [r.status, r.reason]), runs);
      assert.equal(p.startNow !== null, startsNow);
      assert.equal(p.claim.lease !== undefined, startsNow, "a lease only for a run started now");
      if (p.startNow) assert.equal(p.claim.lease?.runId, p.startNow.id);
      assert.equal(p.claim.state.activeRunId !== null, state.activeRun);
      assert.equal(p.claim.state.queuedRunId !== null, state.queuedRun);
      assert.equal(p.next, c.now + M, "the next occurrence after now");
      assert.ok(p.claim.runs.every((r) => r.priority === 7), "runs carry the priority");
      assert.equal(p.claim.owner, "me");
    });
  }
});

Deno.test("occurrence plan: details of the records", async (t) => {
  await t.step("a missed record counts the missed occurrences", () => {
    const p = planClaim(entry(), ctx({ now: T + 60 * M }));
    assert.deepEqual(p.claim.runs[0].missed, {
      count: 49,
      first: new Date(T + M).toISOString(),
      last: new Date(T + 49 * M).toISOString(),
    });
    assert.equal(p.claim.runs[1].trigger, "catchup");
  });
  await t.step("an outside_window skip carries the next opening", () => {
    const p = planClaim(entry(), ctx({ windowOpen: false, nextOpen: T + 60 * M }));
    assert.equal(p.claim.runs[0].nextOpen, new Date(T + 60 * M).toISOString());
  });
  await t.step("a once that fired completes its schedule", () => {
    const once = entry({ trigger: { type: "once", at: new Date(T + M).toISOString() } });
    const p = planClaim(once, ctx());
    assert.equal(p.next, null);
    assert.equal(p.claim.schedule?.status, "completed");
  });
  await t.step("a recurring schedule's record is left as it is", () => {
    assert.equal(planClaim(entry(), ctx()).claim.schedule, undefined);
  });
  await t.step("the claim is keyed by the handled occurrence", () => {
    assert.equal(planClaim(entry(), ctx()).claim.plannedAt, T + M);
  });
});
