import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { acquireFileLock } from "../../../src/download/part/file_lock.ts";
import { runLockedJobs } from "../../../src/download/pull/locked_jobs.ts";
import { pull, type PullEvent } from "../../../src/download/pull/pull.ts";

Deno.test("a job whose lock is held elsewhere is put back while others can start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const held = await acquireFileLock(join(dir, "a.lock"));
    const order: string[] = [];
    const waited: string[] = [];
    const running = runLockedJobs(["a", "b", "c"], {
      workers: 1,
      lockPath: (job) => join(dir, `${job}.lock`),
      onWait: (job) => {
        waited.push(job);
        void held.release(); // the other holder finishes
      },
      run: (job) => {
        order.push(job);
        return Promise.resolve();
      },
    });
    await running;
    assert.deepEqual(order, ["b", "c", "a"], "a was deferred behind the free jobs");
    assert.deepEqual(waited, ["a"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two runs of one process wanting the same files share each transfer", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-twice-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    // the first writer of the big file pauses, so the two runs surely overlap on it
    hub.addFault({
      path: "model.safetensors",
      stallAfterBytes: 256 * 1024,
      stallMs: 800,
      times: 1,
    });
    const events: PullEvent[] = [];
    const run = () =>
      pull({ source: "hf:acme/tiny-model" }, {
        config,
        kv,
        env: {},
        onEvent: (e) => events.push(e),
      });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(a.files.total, 8);
    assert.equal(b.files.total, 8);
    assert.equal(a.files.done + b.files.done, 8, "each file downloaded by one of the two");
    await hub.settled();
    for (const path of ["model.safetensors", "config.json", "onnx/fp16/model.onnx"]) {
      const info = hub.fileInfo("acme/tiny-model", path);
      const served = hub.bodyBytes((q) => q.file === path && q.method === "GET");
      assert.equal(served, info.size, `${path} served once`);
    }
    assert.ok(events.some((e) => e.type === "waiting"), "one run waited for the other");
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a paced run follows the workers wanted, never above its most", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const jobs = Array.from({ length: 40 }, (_, i) => `job${i}`);
    let finished = 0;
    let running = 0;
    const seen: { wanted: number; running: number }[] = [];
    // one worker for the first 10 jobs, then more than allowed, then 2
    const wanted = () => finished < 10 ? 1 : finished < 30 ? 10 : 2;
    await runLockedJobs(jobs, {
      workers: 4,
      pace: wanted,
      lockPath: (job) => join(dir, `${job}.lock`),
      run: async () => {
        seen.push({ wanted: wanted(), running: ++running });
        await new Promise((resolve) => setTimeout(resolve, 2)); // let others start meanwhile
        running--;
        finished++;
      },
    });
    assert.equal(finished, 40);
    const most = (w: number) =>
      Math.max(...seen.filter((s) => s.wanted === w).map((s) => s.running));
    assert.equal(most(1), 1, "one at a time while one is wanted");
    assert.equal(most(10), 4, "up to the most (4) when more are wanted");
    // workers above the pace stop once their job is done: the last starts run two at a time
    assert.ok(seen.slice(-4).every((s) => s.running <= 2), JSON.stringify(seen.slice(-4)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
