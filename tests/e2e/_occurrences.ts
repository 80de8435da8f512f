/**
 * Test support for the scheduler acceptance tests against real `serve` processes: JSON calls
 * to the API, polling with a deadline, every run of a schedule (all pages), and the check that
 * each planned occurrence is accounted for exactly once.
 * @module
 */
import assert from "node:assert/strict";
import type { Run } from "../../src/store/records.ts";

/** Calls the API and parses its JSON answer; fails the test on a non-2xx status. */
export async function api<T>(
  url: string,
  method = "GET",
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Every run of a schedule, following `nextCursor` through pages of 100. */
export async function allRuns(base: string, scheduleId: string): Promise<Run[]> {
  const out: Run[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: { items: Run[]; nextCursor: string | null } = await api(
      `${base}/schedules/${scheduleId}/runs?limit=100${q}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** How the occurrences of one schedule were accounted for. */
export interface Accounting {
  /** Planned time (ms) -> how many records account for it (should be 1 each). */
  counts: Map<number, number>;
  /** Occurrences run (trigger schedule or catchup), skipped on overlap/window, or missed. */
  ran: number;
  skipped: number;
  missed: number;
  /** Occurrences that a catchup run coalesced (no record of their own, by design). */
  coalesced: number;
  catchups: Run[];
  missedRecords: Run[];
}

/**
 * Accounts every occurrence of a fixed-step schedule from its records: a run or skipped record
 * covers its `plannedAt`, a `missed` record covers `missed.first..missed.last`, and a `catchup`
 * run also covers the occurrences between the previous covered one and itself (misfire
 * coalescing). Manual runs are ignored.
 */
export function accountOccurrences(runs: Run[], stepMs: number): Accounting {
  const counts = new Map<number, number>();
  const add = (at: number) => counts.set(at, (counts.get(at) ?? 0) + 1);
  const acc: Accounting = {
    counts,
    ran: 0,
    skipped: 0,
    missed: 0,
    coalesced: 0,
    catchups: [],
    missedRecords: [],
  };
  const timeline = runs.filter((r) => r.trigger !== "manual")
    .sort((a, b) => Date.parse(a.plannedAt) - Date.parse(b.plannedAt));
  let last: number | null = null;
  for (const run of timeline) {
    const at = Date.parse(run.plannedAt);
    if (run.reason === "missed" && run.missed) {
      const first = Date.parse(run.missed.first);
      const lastMissed = Date.parse(run.missed.last);
      assert.equal(lastMissed, at, `missed record ${run.id} is planned at its last occurrence`);
      assert.equal((lastMissed - first) / stepMs + 1, run.missed.count, `count of ${run.id}`);
      for (let t = first; t <= lastMissed; t += stepMs) add(t);
      acc.missed += run.missed.count;
      acc.missedRecords.push(run);
      last = lastMissed;
      continue;
    }
    if (run.trigger === "catchup") {
      acc.catchups.push(run);
      if (last !== null) {
        for (let t = last + stepMs; t < at; t += stepMs) {
          add(t);
          acc.coalesced++;
        }
      }
    }
    add(at);
    if (run.status === "skipped") acc.skipped++;
    else acc.ran++;
    last = at;
  }
  return acc;
}

/** Asserts that every occurrence from `from` to `to` (ms, inclusive) is accounted exactly once. */
export function assertEachOnce(acc: Accounting, from: number, to: number, stepMs: number): void {
  const duplicated = [...acc.counts].filter(([, n]) => n > 1).map(([t]) => new Date(t));
  assert.deepEqual(duplicated, [], "occurrences with more than one record");
  const lost: Date[] = [];
  for (let t = from; t <= to; t += stepMs) if (!acc.counts.has(t)) lost.push(new Date(t));
  assert.deepEqual(lost, [], "occurrences without a record");
}

export { until } from "../_support/wait.ts";
