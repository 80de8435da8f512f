import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { startServe } from "../cli/_serve.ts";
import { filesBelow } from "../_tree.ts";
import { api, until } from "./_occurrences.ts";

const REPO = "acme/tiny-model";
const SCHEDULED_RUNS = 3;

Deno.test("serve runs an every-second schedule against the hub on time and keeps its history", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-e2e-" });
  const out = join(dir, "out");
  const serve = await startServe(["--data", dir, "--timezone", "UTC"], {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
    NIGHTPULL_TOKEN: "",
  });
  const base = `${serve.url}/api/v1`;
  try {
    const schedule = await api<{ id: string }>(`${base}/schedules`, "POST", {
      name: "tiny-every-second",
      source: `hf:${REPO}@main`,
      layout: "local-dir",
      dir: out,
      trigger: { type: "cron", expression: "* * * * * *" },
    });
    const runsUrl = `${base}/schedules/${schedule.id}/runs?limit=100`;
    const finished = (runs: Run[]) =>
      runs.filter((r) => r.trigger === "schedule" && r.status === "succeeded");
    const page = await until(
      () => api<{ items: Run[] }>(runsUrl),
      (p) => finished(p.items).length >= SCHEDULED_RUNS,
      20_000,
    );
    await api(`${base}/schedules/${schedule.id}/pause`, "POST");

    const scheduled = page.items.filter((r) => r.trigger === "schedule");
    const planned = scheduled.map((r) => Date.parse(r.plannedAt));
    for (const at of planned) assert.equal(at % 1000, 0, "occurrences fall on whole seconds");
    assert.equal(new Set(planned).size, planned.length, "each occurrence is planned once");
    for (const run of finished(scheduled)) {
      const lag = Date.parse(run.startedAt!) - Date.parse(run.plannedAt);
      assert.ok(lag >= 0 && lag < 1000, `run ${run.id} started ${lag} ms after its planned time`);
      assert.equal(run.commit, hub.commitOf(REPO, "main"));
      assert.equal(run.files.done + run.files.skipped, run.files.total);
    }
    // the first run transferred the files; later runs found them verified and skipped them
    const oldestFirst = finished(scheduled).reverse();
    assert.ok(oldestFirst[0].bytes > 2 * 1024 * 1024);
    for (const run of oldestFirst.slice(1)) {
      assert.equal(run.bytes, 0, `run ${run.id} transferred nothing`);
      assert.equal(run.files.skipped, run.files.total);
    }
    const total = oldestFirst[0].files.total;
    let checked = 0;
    for await (const { path, entry } of filesBelow(out)) {
      if (!entry.isFile) continue;
      // huggingface_hub's bookkeeping (.cache/huggingface: metadata, CACHEDIR.TAG) is not a repo file
      if (path.startsWith(join(out, ".cache") + "/")) continue;
      const rel = path.slice(out.length + 1);
      const info = hub.fileInfo(REPO, rel, "main");
      const digest = createHash("sha256").update(await Deno.readFile(path)).digest("hex");
      assert.equal(digest, info.sha256, rel);
      checked++;
    }
    assert.equal(checked, total, "every file of the repo is on disk");

    // fill the history past one default page with manual runs, one after another
    let count = page.items.length;
    while (count < 23) {
      const run = await api<Run>(`${base}/schedules/${schedule.id}/trigger`, "POST");
      await until(
        () => api<Run>(`${base}/runs/${run.id}`),
        (r) => r.status === "succeeded",
        10_000,
      );
      count = (await api<{ items: Run[] }>(runsUrl)).items.length;
    }
    const first = await api<{ items: Run[]; nextCursor: string | null }>(
      `${base}/schedules/${schedule.id}/runs`,
    );
    assert.equal(first.items.length, 20, "20 runs by default");
    assert.ok(first.nextCursor);
    const second = await api<{ items: Run[]; nextCursor: string | null }>(
      `${base}/schedules/${schedule.id}/runs?cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    const all = [...first.items, ...second.items];
    assert.equal(all.length, count);
    assert.equal(new Set(all.map((r) => r.id)).size, count, "pages do not overlap");
    const ids = all.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), "newest first");
    const detail = await api<{ stats: { runs: number } }>(`${base}/schedules/${schedule.id}`);
    assert.equal(detail.stats.runs, count);
  } finally {
    const code = await serve.stop("SIGTERM");
    await hub.close();
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, serve.log());
  }
});
