import assert from "node:assert/strict";
import { getRun } from "../../src/store/mod.ts";
import { rig, waitFor } from "./_harness.ts";

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" };

Deno.test("priority: runs held back by maxDownloads start by priority, then by due time", async () => {
  const started: string[] = [];
  const names = new Map<string, string>();
  const r = await rig(({ run }) => {
    started.push(names.get(run.id)!);
    return Promise.resolve({ commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 });
  }, { config: { maxDownloads: 1 } });
  try {
    // all due before the engine starts, one millisecond apart, so only one slot decides
    const rows: [string, number | undefined][] = [
      ["p2", 2],
      ["p9-first", 9],
      ["p5", 5],
      ["p9-second", 9],
      ["default", undefined],
    ];
    const runIds: string[] = [];
    for (const [name, priority] of rows) {
      const s = await r.service.create({
        name,
        source: `hf:org/${name}`,
        trigger: MANUAL,
        priority,
      });
      assert.equal(s.priority, priority ?? 5);
      const run = await r.service.trigger(s.id);
      assert.equal(run.priority, priority ?? 5);
      names.set(run.id, name);
      runIds.push(run.id);
      r.clock.advance(1);
    }
    const download = await r.service.startDownload({ source: "hf:org/urgent", priority: 10 });
    names.set(download.id, "download-p10");
    runIds.push(download.id);
    await r.engine.start();
    await waitFor(() => started.length === 6, "every run to start", 10_000);
    assert.deepEqual(started, ["download-p10", "p9-first", "p9-second", "p5", "default", "p2"]);
    await r.engine.idle();
    for (const id of runIds) assert.equal((await getRun(r.kv, id)).status, "succeeded");
  } finally {
    await r.close();
  }
});
