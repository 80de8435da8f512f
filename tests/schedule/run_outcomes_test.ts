import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { systemClock } from "../../src/time/clock.ts";
import { ManualClock } from "../../src/time/manual_clock.ts";
import { getRun, listRuns } from "../../src/store/mod.ts";
import { rig, T0, waitFor } from "./_harness.ts";

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" };

for (
  const [code, message] of [
    ["gated_repo", "acme/llama is gated: accept its terms on the hub first"],
    ["auth_required", "acme/private needs a token (HF_TOKEN)"],
    ["invalid_token", "the hub refused the token"],
    ["forbidden", "the hub refused access to acme/x (HTTP 403)"],
  ] as const
) {
  Deno.test(`retry: ${code} is final after the first attempt, not retried as if transient`, async () => {
    let attempts = 0;
    const r = await rig(() => {
      attempts++;
      return Promise.reject(new NightpullError(code, message));
    }, { clock: new ManualClock(T0) });
    try {
      await r.engine.start();
      const s = await r.service.create({
        source: "hf:acme/x",
        trigger: MANUAL,
        retry: { attempts: 5, backoff: "1s" },
      });
      const run = await r.service.trigger(s.id);
      await waitFor(async () => (await getRun(r.kv, run.id)).status === "failed", "the failure");
      await r.engine.idle();
      const stored = await getRun(r.kv, run.id);
      assert.equal(stored.attempt, 1);
      assert.equal(stored.error?.code, code);
      assert.equal(attempts, 1);
    } finally {
      await r.close();
    }
  });
}

Deno.test("startedAt records when a run really started (the firing lag is not always 0)", async () => {
  // the real clock: a timer wakes a little after the planned time, and the claim takes time
  const r = await rig(
    () => Promise.resolve({ commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 }),
    {
      clock: systemClock as unknown as ManualClock,
    },
  );
  try {
    const s = await r.service.create({
      source: "hf:acme/x",
      trigger: { type: "cron", expression: "* * * * * *" },
    });
    await r.engine.start();
    await waitFor(
      async () => (await listRuns(r.kv, s.id, { limit: 10 })).items.length >= 3,
      "three runs",
      10_000,
    );
    await r.engine.stop();
    const runs = (await listRuns(r.kv, s.id, { limit: 10 })).items.filter((run) =>
      run.startedAt !== null
    );
    const lags = runs.map((run) => Date.parse(run.startedAt!) - Date.parse(run.plannedAt));
    assert.ok(lags.every((lag) => lag >= 0 && lag < 5_000), `lags ${lags}`);
    assert.ok(lags.some((lag) => lag > 0), `a real start is after the planned time: ${lags}`);
  } finally {
    await r.close();
  }
});

Deno.test("totals: an interrupted run keeps what it has, and the resumed run reports its files' bytes", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/runs.kv`;
  const plan = {
    type: "plan",
    commit: "c0ffee",
    files: [{ path: "a.bin", size: 100, skip: false }, { path: "b.bin", size: 50, skip: false }],
  };
  const first = await rig(({ signal, onEvent }) => {
    onEvent?.(plan);
    onEvent?.({ type: "progress", path: "a.bin", bytes: 100, total: 100 });
    onEvent?.({ type: "file", path: "a.bin", status: "done", bytes: 100 });
    onEvent?.({ type: "progress", path: "b.bin", bytes: 20, total: 50 });
    // a transfer in progress until the shutdown
    return new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(new NightpullError("interrupted", "stop")))
    );
  }, { kvPath: path });
  let runId = "";
  try {
    await first.engine.start();
    const s = await first.service.create({ source: "hf:acme/x", trigger: MANUAL });
    runId = (await first.service.trigger(s.id)).id;
    await waitFor(async () => (await getRun(first.kv, runId)).status === "running", "the start");
    await waitFor(() => first.engine.runningCount() === 1, "the transfer");
    await first.close();
  } catch (err) {
    await first.close();
    throw err;
  }
  const second = await rig(({ onEvent }) => {
    onEvent?.(plan);
    onEvent?.({ type: "file", path: "a.bin", status: "skipped", bytes: 100 });
    onEvent?.({ type: "progress", path: "b.bin", bytes: 20, total: 50 });
    onEvent?.({ type: "progress", path: "b.bin", bytes: 50, total: 50 });
    onEvent?.({ type: "file", path: "b.bin", status: "done", bytes: 50 });
    // this attempt fetched only the rest of b.bin
    return Promise.resolve({
      commit: "c0ffee",
      files: { total: 2, done: 1, skipped: 1 },
      bytes: 30,
    });
  }, { kvPath: path });
  try {
    const interrupted = await getRun(second.kv, runId);
    assert.equal(interrupted.status, "pending");
    assert.equal(interrupted.reason, "interrupted");
    assert.deepEqual(interrupted.files, { total: 2, done: 1, skipped: 0 });
    assert.equal(interrupted.bytes, 120, "a.bin and the first 20 bytes of b.bin");
    await second.engine.start();
    await waitFor(async () => (await getRun(second.kv, runId)).status === "succeeded", "the end");
    const done = await getRun(second.kv, runId);
    assert.equal(done.bytes, 50, "the bytes of the file it downloaded, resumed prefix included");
  } finally {
    await second.close();
    await Deno.remove(dir, { recursive: true });
  }
});
