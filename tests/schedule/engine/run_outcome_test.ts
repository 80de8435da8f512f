import assert from "node:assert/strict";
import { type AttemptEnd, nextRecord } from "../../../src/schedule/engine/run_outcome.ts";
import { newRun } from "../../../src/schedule/runs/run_records.ts";
import type { Run } from "../../../src/store/records.ts";

const T = Date.parse("2026-03-01T02:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function running(attempt = 1): Run {
  const run = newRun({
    id: "R",
    scheduleId: "S",
    source: "hf:acme/model",
    plannedAt: T,
    trigger: "schedule",
    now: T,
    status: "running",
  });
  return { ...run, attempt };
}

function end(extra: Partial<AttemptEnd> = {}): AttemptEnd {
  return {
    outcome: { ok: true, commit: "c0ffee", files: { total: 2, done: 2, skipped: 0 }, bytes: 300 },
    now: T + 60_000,
    interrupted: false,
    reopensAt: null,
    totals: { files: { total: 0, done: 0, skipped: 0 }, bytes: 0 },
    retry: { attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" },
    // the middle of the jitter range: the nominal delay exactly
    random: () => 0.5,
    ...extra,
  };
}

const failed = (code: string): AttemptEnd["outcome"] => ({
  ok: false,
  error: { code, message: `${code} happened` },
});

/** [what it proves, the run before, the attempt's end, fields the stored run must have] */
const CASES: [string, Run, AttemptEnd, Partial<Run>][] = [
  [
    "a success is final with the executor's commit, files and bytes",
    running(),
    end(),
    { status: "succeeded", commit: "c0ffee", bytes: 300, dueAt: null, error: null },
  ],
  [
    "a transient failure is retried after the backoff, as the next attempt",
    running(1),
    end({ outcome: failed("network_error") }),
    { status: "pending", attempt: 2, dueAt: iso(T + 60_000 + 30_000) },
  ],
  [
    "the second retry waits the backoff times the factor",
    running(2),
    end({ outcome: failed("network_error") }),
    { status: "pending", attempt: 3, dueAt: iso(T + 60_000 + 60_000) },
  ],
  [
    "a failure on the last attempt is final",
    running(3),
    end({ outcome: failed("network_error") }),
    { status: "failed", attempt: 3, dueAt: null },
  ],
  [
    "a refused token is final at once: another attempt cannot change it",
    running(1),
    end({ outcome: failed("invalid_token") }),
    { status: "failed", attempt: 1 },
  ],
  [
    "a host outside the allow-list is final at once",
    running(1),
    end({ outcome: failed("host_not_allowed") }),
    { status: "failed", attempt: 1 },
  ],
  [
    "a shutdown puts the run back to pending, same attempt, due at once",
    running(2),
    end({ outcome: failed("aborted"), interrupted: true }),
    { status: "pending", reason: "interrupted", attempt: 2, dueAt: iso(T + 60_000) },
  ],
  [
    "a window that closed on the run makes it wait for the reopening, same attempt",
    running(1),
    end({ outcome: failed("aborted"), reopensAt: T + 3_600_000 }),
    { status: "waiting_window", attempt: 1, dueAt: iso(T + 3_600_000) },
  ],
  [
    "a success beats a window that closed just after it",
    running(1),
    end({ reopensAt: T + 3_600_000 }),
    { status: "succeeded" },
  ],
  [
    "an interrupted run keeps the totals of what it has on disk",
    running(1),
    end({
      outcome: failed("aborted"),
      interrupted: true,
      totals: { files: { total: 3, done: 1, skipped: 0 }, bytes: 120 },
    }),
    { status: "pending", files: { total: 3, done: 1, skipped: 0 }, bytes: 120 },
  ],
  [
    "a success keeps the executor's file counts but the larger byte total",
    running(1),
    end({ totals: { files: { total: 2, done: 2, skipped: 0 }, bytes: 450 } }),
    { status: "succeeded", files: { total: 2, done: 2, skipped: 0 }, bytes: 450 },
  ],
];

Deno.test("nextRecord: what an attempt's end makes of its run, by behaviour", async (t) => {
  for (const [name, before, attemptEnd, want] of CASES) {
    await t.step(name, () => {
      const after = nextRecord(attemptEnd)(before);
      for (const [field, value] of Object.entries(want)) {
        assert.deepEqual(after[field as keyof Run], value, `${field} of "${name}"`);
      }
      assert.equal(after.id, before.id, "the same run record");
    });
  }
});
