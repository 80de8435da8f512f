import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import type { Executor } from "../../../src/schedule/engine/engine.ts";
import { ManualClock } from "../../../src/time/manual_clock.ts";
import { getRun, listActiveRuns } from "../../../src/store/mod.ts";
import { deferred, recordingExecutor, rig, T0, waitFor } from "../_harness.ts";

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" }; // far away: tests trigger by hand
const RETRY = { attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" };

function failing(times: number, calls: number[]): Executor {
  return ({ run }) => {
    calls.push(run.attempt);
    if (calls.length <= times) {
      return Promise.reject(
        new NightpullError("network_error", `connection reset (call ${calls.length})`),
      );
    }
    return Promise.resolve({ commit: "abc", files: { total: 2, done: 2, skipped: 0 }, bytes: 7 });
  };
}

Deno.test("retry: fails twice then succeeds on attempt 3 with exponential backoff", async () => {
  const calls: number[] = [];
  const r = await rig(failing(2, calls));
  try {
    const s = await r.service.create({ source: "hf:org/model", trigger: MANUAL, retry: RETRY });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    let stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "pending");
    assert.equal(stored.attempt, 2);
    assert.equal(stored.error?.code, "network_error");
    assert.equal(Date.parse(stored.dueAt!), T0 + 30_000); // 30s, jitter centred (random 0.5)
    r.clock.advance(29_000);
    await r.engine.idle();
    assert.deepEqual(calls, [1]);
    r.clock.advance(1000);
    await r.engine.idle();
    assert.deepEqual(calls, [1, 2]);
    stored = await getRun(r.kv, run.id);
    assert.equal(Date.parse(stored.dueAt!), T0 + 30_000 + 60_000); // doubled
    r.clock.advance(60_000);
    await r.engine.idle();
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.attempt, 3);
    assert.equal(stored.error, null);
    assert.deepEqual(stored.previousAttempts?.map((a) => [a.attempt, a.error?.code]), [
      [1, "network_error"],
      [2, "network_error"],
    ]);
    assert.deepEqual(calls, [1, 2, 3]);
    const detail = await r.service.get(s.id);
    assert.equal(detail.stats.succeeded, 1);
    assert.equal(detail.stats.failed, 0);
    assert.equal(detail.stats.runs, 1);
  } finally {
    await r.close();
  }
});

Deno.test("retry: always failing ends failed after 3 attempts with the error stored", async () => {
  const calls: number[] = [];
  const r = await rig(failing(99, calls));
  try {
    const s = await r.service.create({ source: "hf:org/model", trigger: MANUAL, retry: RETRY });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    r.clock.advance(30_000);
    await r.engine.idle();
    r.clock.advance(60_000);
    await r.engine.idle();
    const stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "failed");
    assert.equal(stored.attempt, 3);
    assert.deepEqual(stored.error, { code: "network_error", message: "connection reset (call 3)" });
    assert.deepEqual(calls, [1, 2, 3]);
    assert.equal((await listActiveRuns(r.kv)).size, 0);
    const detail = await r.service.get(s.id);
    assert.equal(detail.stats.failed, 1);
    assert.equal(detail.stats.successRate, 0);
    // the schedule is free again: a new trigger makes a new run
    const again = await r.service.trigger(s.id);
    assert.notEqual(again.id, run.id);
  } finally {
    await r.close();
  }
});

Deno.test("retry: a pending retry survives a restart and runs when due", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const calls: number[] = [];
  const first = await rig(failing(1, calls), { kvPath: path });
  const s = await first.service.create({ source: "hf:org/model", trigger: MANUAL, retry: RETRY });
  await first.engine.start();
  const run = await first.service.trigger(s.id);
  await first.engine.idle();
  await first.close();
  const second = await rig(failing(1, calls), {
    kvPath: path,
    clock: new ManualClock(T0 + 31_000),
  });
  try {
    await second.engine.start();
    await second.engine.idle();
    const stored = await getRun(second.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.attempt, 2);
  } finally {
    await second.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lease: a run whose process died is recovered by another process and retried", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const stuck = deferred<void>();
  const dead = await rig(async ({ signal }) => {
    signal.addEventListener("abort", () => stuck.reject(signal.reason));
    await stuck.promise;
    throw new Error("unreachable");
  }, { kvPath: path, engine: { instanceId: "dead", leaseMs: 15_000 } });
  // the survivor's clock is 20 s ahead: the dead one never renewed its 15 s lease
  const calls: { runId: string; attempt: number }[] = [];
  const survivor = await rig(recordingExecutor(calls), {
    kvPath: path,
    clock: new ManualClock(T0 + 20_000),
    engine: { instanceId: "survivor", leaseMs: 15_000 },
  });
  try {
    const s = await dead.service.create({ source: "hf:org/model", trigger: MANUAL, retry: RETRY });
    await dead.engine.start();
    const run = await dead.service.trigger(s.id);
    await waitFor(async () => (await getRun(dead.kv, run.id)).status === "running", "running");
    await survivor.engine.start();
    await survivor.engine.idle();
    const stored = await getRun(survivor.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.attempt, 2);
    assert.equal(stored.previousAttempts?.[0].error?.code, "interrupted");
    assert.deepEqual(calls, [{ runId: run.id, attempt: 2 }]);
    // the dead process's late shutdown changes nothing: it no longer holds the lease
    await dead.close();
    assert.equal((await getRun(survivor.kv, run.id)).status, "succeeded");
  } finally {
    await dead.close();
    await survivor.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lease: an abandoned run on its last attempt is marked failed, never left running", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const stuck = deferred<void>();
  const dead = await rig(async ({ signal }) => {
    signal.addEventListener("abort", () => stuck.reject(signal.reason));
    await stuck.promise;
    throw new Error("unreachable");
  }, { kvPath: path, engine: { instanceId: "dead" } });
  const survivor = await rig(recordingExecutor(), {
    kvPath: path,
    clock: new ManualClock(T0 + 60_000),
  });
  try {
    const s = await dead.service.create({
      source: "hf:org/model",
      trigger: MANUAL,
      retry: { attempts: 1 },
    });
    await dead.engine.start();
    const run = await dead.service.trigger(s.id);
    await waitFor(async () => (await getRun(dead.kv, run.id)).status === "running", "running");
    await survivor.engine.start();
    await survivor.engine.idle();
    const stored = await getRun(survivor.kv, run.id);
    assert.equal(stored.status, "failed");
    assert.equal(stored.error?.code, "interrupted");
    assert.equal((await survivor.service.get(s.id)).stats.failed, 1);
  } finally {
    await dead.close();
    await survivor.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stop: running transfers are aborted and resume as the same attempt at the next start", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const seen: AbortSignal[] = [];
  const first = await rig(({ signal }) => {
    seen.push(signal);
    return new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
  }, { kvPath: path });
  const s = await first.service.create({ source: "hf:org/model", trigger: MANUAL });
  await first.engine.start();
  const run = await first.service.trigger(s.id);
  await waitFor(() => seen.length === 1, "the run to start");
  assert.equal(first.engine.runningCount(), 1);
  await first.close();
  assert.equal(seen[0].aborted, true);
  const calls: { runId: string; attempt: number }[] = [];
  const second = await rig(recordingExecutor(calls), { kvPath: path });
  try {
    let stored = await getRun(second.kv, run.id);
    assert.equal(stored.status, "pending");
    assert.equal(stored.reason, "interrupted");
    assert.equal(stored.attempt, 1);
    await second.engine.start();
    await second.engine.idle();
    stored = await getRun(second.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.attempt, 1);
    assert.deepEqual(calls, [{ runId: run.id, attempt: 1 }]);
  } finally {
    await second.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrency: runs beyond maxDownloads wait pending for a slot", async () => {
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const r = await rig(async ({ run }) => {
    const gate = deferred<void>();
    gates.set(run.id, gate);
    await gate.promise;
    return { commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 };
  }, { config: { maxDownloads: 2 } });
  try {
    await r.engine.start();
    const runs = [];
    for (const name of ["a", "b", "c"]) {
      const s = await r.service.create({ source: `hf:org/${name}`, trigger: MANUAL });
      runs.push(await r.service.trigger(s.id));
    }
    await waitFor(() => gates.size === 2, "two runs to start");
    assert.equal(r.engine.runningCount(), 2);
    assert.equal((await getRun(r.kv, runs[2].id)).status, "pending");
    gates.get(runs[0].id)!.resolve();
    await waitFor(() => gates.size === 3, "the third run to start");
    for (const g of gates.values()) g.resolve();
    await r.engine.idle();
    for (const run of runs) assert.equal((await getRun(r.kv, run.id)).status, "succeeded");
  } finally {
    await r.close();
  }
});

Deno.test("downloads: a one-off download runs once with scheduleId null", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    await r.engine.start();
    const run = await r.service.startDownload({ source: "https://example.org/file.bin" });
    assert.equal(run.scheduleId, null);
    await waitFor(async () => (await getRun(r.kv, run.id)).status === "succeeded", "download");
    assert.deepEqual(calls, [{ runId: run.id, attempt: 1 }]);
  } finally {
    await r.close();
  }
});
