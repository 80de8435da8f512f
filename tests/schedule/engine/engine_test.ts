import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import { listRuns } from "../../../src/store/mod.ts";
import type { Run } from "../../../src/store/records.ts";
import { deferred, recordingExecutor, rig, T0, tick, waitFor } from "../_harness.ts";

const EVERY_SECOND = { type: "cron" as const, expression: "* * * * * *" };

Deno.test("engine: an every-second cron runs each second; history is newest first, 20 a page", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    const s = await r.service.create({ source: "hf:org/model", trigger: EVERY_SECOND });
    await r.engine.start();
    assert.equal(r.engine.isArmed(), true);
    await tick({ clock: r.clock, engines: [r.engine] }, 25);
    assert.equal(calls.length, 25);
    const first = await r.service.listRuns(s.id);
    assert.equal(first.items.length, 20);
    assert.ok(first.nextCursor);
    const planned = first.items.map((run) => Date.parse(run.plannedAt));
    assert.deepEqual(planned, Array.from({ length: 20 }, (_, i) => T0 + (25 - i) * 1000));
    for (const run of first.items) {
      assert.equal(run.status, "succeeded");
      assert.equal(run.trigger, "schedule");
      assert.equal(run.commit, "c0ffee");
      assert.equal(run.bytes, 42);
      // started within 1 s of the planned time (the manual clock makes it exact)
      assert.equal(Date.parse(run.startedAt!), Date.parse(run.plannedAt));
    }
    const second = await r.service.listRuns(s.id, { cursor: first.nextCursor! });
    assert.deepEqual(
      second.items.map((run) => Date.parse(run.plannedAt)),
      [5, 4, 3, 2, 1].map((k) => T0 + k * 1000),
    );
    assert.equal(second.nextCursor, null);
    await assert.rejects(
      () => r.service.listRuns(s.id, { cursor: "not-a-cursor" }),
      (e: unknown) => e instanceof NightpullError && e.code === "invalid_cursor",
    );
    const detail = await r.service.get(s.id);
    assert.equal(detail.stats.runs, 25);
    assert.equal(detail.stats.succeeded, 25);
    assert.equal(detail.stats.successRate, 1);
    assert.deepEqual(detail.nextRuns.slice(0, 2), [
      new Date(T0 + 26_000).toISOString(),
      new Date(T0 + 27_000).toISOString(),
    ]);
  } finally {
    await r.close();
  }
});

Deno.test("engine: two engines on one KV file run each occurrence exactly once", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/shared.kv`;
  const callsA: { runId: string; attempt: number }[] = [];
  const callsB: { runId: string; attempt: number }[] = [];
  const a = await rig(recordingExecutor(callsA), { kvPath: path, engine: { instanceId: "A" } });
  const b = await rig(recordingExecutor(callsB), {
    kvPath: path,
    clock: a.clock,
    engine: { instanceId: "B" },
  });
  try {
    const s1 = await a.service.create({ source: "hf:org/one", trigger: EVERY_SECOND });
    const s2 = await b.service.create({ source: "hf:org/two", trigger: EVERY_SECOND });
    await a.engine.start();
    await b.engine.start();
    await tick({ clock: a.clock, engines: [a.engine, b.engine] }, 12);
    assert.equal(callsA.length + callsB.length, 24);
    for (const s of [s1, s2]) {
      const runs = (await listRuns(a.kv, s.id, { limit: 100 })).items;
      const planned = runs.map((run) => Date.parse(run.plannedAt)).sort((x, y) => x - y);
      assert.deepEqual(planned, Array.from({ length: 12 }, (_, i) => T0 + (i + 1) * 1000));
      assert.ok(runs.every((run) => run.status === "succeeded"));
    }
    const ran = new Set([...callsA, ...callsB].map((c) => c.runId));
    assert.equal(ran.size, 24, "no run executed twice");
  } finally {
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine: a schedule created through this process's service is armed at once, before any poll", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  // polls an hour apart: only the service's notice can arm the new schedule within seconds
  const r = await rig(recordingExecutor(calls), { engine: { pollMs: 3_600_000 } });
  try {
    await r.engine.start();
    const s = await r.service.create({ source: "hf:org/model", trigger: EVERY_SECOND });
    await tick({ clock: r.clock, engines: [r.engine] }, 3);
    const runs = (await listRuns(r.kv, s.id)).items;
    assert.equal(runs.length, 3, `ran ${runs.length} times`);
  } finally {
    await r.close();
  }
});

Deno.test("engine: a schedule created in another process is picked up by polling", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/shared.kv`;
  const calls: { runId: string; attempt: number }[] = [];
  const a = await rig(recordingExecutor(calls), { kvPath: path });
  const other = await Deno.openKv(path);
  try {
    await a.engine.start();
    // created through a service without engine on another handle: only the KV knows
    const { ScheduleService } = await import("../../../src/schedule/service/service.ts");
    const remote = new ScheduleService({ kv: other, config: a.config, clock: a.clock });
    const s = await remote.create({ source: "hf:org/remote", trigger: EVERY_SECOND });
    await tick({ clock: a.clock, engines: [a.engine] }, 3);
    const runs = (await listRuns(a.kv, s.id)).items;
    assert.ok(runs.length >= 2, `ran ${runs.length} times`);
  } finally {
    other.close();
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine: misfire at start-up coalesces recent occurrences and records older ones as missed", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    const s = await r.service.create({
      source: "hf:org/model",
      trigger: { type: "cron", expression: "* * * * *" },
      misfireGrace: "10m",
    });
    // the process was down for 30.5 minutes
    r.clock.jump(T0 + 30 * 60_000 + 30_000);
    await r.engine.start();
    await r.engine.idle();
    const runs = (await r.service.listRuns(s.id)).items;
    assert.equal(runs.length, 2);
    const missed = runs.find((run) => run.reason === "missed")!;
    assert.equal(missed.status, "skipped");
    assert.deepEqual(missed.missed, {
      count: 20,
      first: new Date(T0 + 60_000).toISOString(),
      last: new Date(T0 + 20 * 60_000).toISOString(),
    });
    const catchup = runs.find((run) => run.trigger === "catchup")!;
    assert.equal(catchup.status, "succeeded");
    assert.equal(catchup.plannedAt, new Date(T0 + 30 * 60_000).toISOString());
    assert.equal(calls.length, 1);
    // the cadence goes on from now
    await tick({ clock: r.clock, engines: [r.engine] }, 1, 30_000);
    const after = (await r.service.listRuns(s.id)).items;
    assert.equal(after[0].plannedAt, new Date(T0 + 31 * 60_000).toISOString());
    assert.equal(after[0].trigger, "schedule");
  } finally {
    await r.close();
  }
});

Deno.test("engine: a clock jump while running (sleep) is handled as a misfire too", async () => {
  const r = await rig(recordingExecutor());
  try {
    const s = await r.service.create({
      source: "hf:org/model",
      trigger: { type: "cron", expression: "* * * * *" },
      misfireGrace: "2m",
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 1, 60_000);
    r.clock.jump(T0 + 6 * 60_000 + 500); // slept from minute 1 to minute 6
    await tick({ clock: r.clock, engines: [r.engine] }, 1, 1000);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.deepEqual(runs.map((run) => [run.trigger, run.status, run.reason, run.missed?.count]), [
      ["catchup", "succeeded", null, undefined],
      ["schedule", "skipped", "missed", 3],
      ["schedule", "succeeded", null, undefined],
    ]);
  } finally {
    await r.close();
  }
});

async function overlapRig(overlap: "skip" | "queue") {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const r = await rig(async ({ signal }) => {
    const gate = deferred();
    gates.push(gate);
    signal.addEventListener("abort", () => gate.reject(signal.reason));
    await gate.promise;
    return { commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 };
  });
  const s = await r.service.create({
    source: "hf:org/model",
    trigger: { type: "cron", expression: "* * * * *" },
    overlap,
  });
  await r.engine.start();
  const minute = async () => {
    r.clock.advance(60_000);
    await waitFor(async () => {
      const runs = (await r.service.listRuns(s.id)).items;
      return runs.length && Date.parse(runs[0].plannedAt) === r.clock.now() ? runs : null;
    }, "the occurrence to be recorded");
  };
  return { r, s, gates, minute };
}

const statuses = (runs: Run[]) =>
  runs.map((run) => `${run.status}${run.reason ? "/" + run.reason : ""}`);

Deno.test("engine: overlap skip records the occurrence as skipped/overlap", async () => {
  const { r, s, gates, minute } = await overlapRig("skip");
  try {
    await minute();
    await minute();
    assert.deepEqual(statuses((await r.service.listRuns(s.id)).items), [
      "skipped/overlap",
      "running",
    ]);
    gates[0].resolve();
    await waitFor(
      async () => (await r.service.listRuns(s.id)).items[1].status === "succeeded",
      "run 1",
    );
    assert.equal(gates.length, 1);
  } finally {
    await r.close();
  }
});

Deno.test("engine: overlap queue keeps at most one waiting run and starts it after", async () => {
  const { r, s, gates, minute } = await overlapRig("queue");
  try {
    await minute();
    await minute();
    await minute();
    assert.deepEqual(statuses((await r.service.listRuns(s.id)).items), [
      "skipped/overlap",
      "pending",
      "running",
    ]);
    gates[0].resolve();
    await waitFor(() => gates.length === 2, "the queued run to start");
    gates[1].resolve();
    await waitFor(async () => {
      const runs = (await r.service.listRuns(s.id)).items;
      return runs[1].status === "succeeded" && runs[2].status === "succeeded";
    }, "both runs to succeed");
  } finally {
    await r.close();
  }
});
