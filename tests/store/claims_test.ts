import assert from "node:assert/strict";
import {
  claimOccurrence,
  createSchedule,
  getScheduleEntry,
  idTime,
  listRuns,
  newId,
  pruneRuns,
  putRunOps,
  startRun,
} from "../../src/store/mod.ts";
import { newRun } from "../../src/schedule/runs/run_records.ts";
import type { Schedule } from "../../src/store/records.ts";

const T = Date.parse("2026-03-01T00:00:00Z");

function schedule(id: string): Schedule {
  return {
    id,
    name: "m",
    source: "hf:org/m",
    include: ["*"],
    exclude: [],
    layout: "hf-cache",
    trigger: { type: "cron", expression: "* * * * *", timezone: "UTC" },
    retry: { attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" },
    misfireGrace: "10m",
    overlap: "skip",
    status: "active",
    createdAt: new Date(T).toISOString(),
    updatedAt: new Date(T).toISOString(),
  };
}

Deno.test("ids sort by time and carry it", () => {
  const a = newId(T);
  const b = newId(T);
  const c = newId(T + 1);
  assert.equal(a.length, 26);
  assert.ok(a < b && b < c, `${a} ${b} ${c}`);
  assert.equal(idTime(c), T + 1);
});

Deno.test("claimOccurrence: of two processes racing for one occurrence exactly one wins", async () => {
  const dir = await Deno.makeTempDir();
  const kvA = await Deno.openKv(`${dir}/kv`);
  const kvB = await Deno.openKv(`${dir}/kv`);
  try {
    const id = newId(T);
    await createSchedule(kvA, schedule(id), {
      cursor: T,
      nextAt: T + 60_000,
      activeRunId: null,
      queuedRunId: null,
    });
    const entryA = (await getScheduleEntry(kvA, id))!;
    const entryB = (await getScheduleEntry(kvB, id))!;
    const claim = (kv: Deno.Kv, entry: typeof entryA, owner: string) =>
      claimOccurrence(kv, {
        entry,
        plannedAt: T + 60_000,
        owner,
        state: { ...entry.state, cursor: T + 60_000, nextAt: T + 120_000 },
        runs: [
          newRun({
            id: newId(T),
            scheduleId: id,
            source: "hf:org/m",
            plannedAt: T + 60_000,
            trigger: "schedule",
            now: T + 60_000,
          }),
        ],
        historyMs: 86_400_000,
      });
    const outcomes = await Promise.all([claim(kvA, entryA, "A"), claim(kvB, entryB, "B")]);
    assert.deepEqual(outcomes.sort(), ["claimed", "taken"]);
    assert.equal((await listRuns(kvA, id)).items.length, 1);
    // a stale read of the state (cursor moved) is told apart from a lost claim
    const again = await claim(kvA, entryA, "A");
    assert.equal(again, "taken");
  } finally {
    kvA.close();
    kvB.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startRun: a pending run is started by exactly one process", async () => {
  const dir = await Deno.makeTempDir();
  const kvA = await Deno.openKv(`${dir}/kv`);
  const kvB = await Deno.openKv(`${dir}/kv`);
  try {
    const run = newRun({
      id: newId(T),
      scheduleId: null,
      source: "https://h/f",
      plannedAt: T,
      trigger: "manual",
      now: T,
    });
    const op = kvA.atomic();
    putRunOps(op, run, 86_400_000);
    await op.commit();
    const started = await Promise.all([
      startRun(kvA, run.id, "A", T, T + 15_000),
      startRun(kvB, run.id, "B", T, T + 15_000),
    ]);
    assert.equal(started.filter((r) => r !== null).length, 1);
    assert.equal(started.find((r) => r)!.status, "running");
    // not due yet: nobody starts it
    const later = newRun({
      id: newId(T),
      scheduleId: null,
      source: "https://h/f",
      plannedAt: T,
      trigger: "manual",
      now: T,
      dueAt: T + 1000,
    });
    const op2 = kvA.atomic();
    putRunOps(op2, later, 86_400_000);
    await op2.commit();
    assert.equal(await startRun(kvA, later.id, "A", T, T + 15_000), null);
  } finally {
    kvA.close();
    kvB.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pruneRuns keeps the newest final runs of a schedule", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const run = newRun({
        id: newId(T + i),
        scheduleId: "S",
        source: "hf:org/m",
        plannedAt: T + i,
        trigger: "schedule",
        now: T + i,
        status: "skipped",
      });
      ids.push(run.id);
      const op = kv.atomic();
      putRunOps(op, run, 86_400_000);
      await op.commit();
    }
    assert.equal(await pruneRuns(kv, "S", 5), 7);
    const left = (await listRuns(kv, "S", { limit: 50 })).items.map((r) => r.id);
    assert.deepEqual(left, ids.slice(7).reverse());
  } finally {
    kv.close();
  }
});
