/**
 * Retention inside a pull: `keepRevisions` on a dataset in the hub cache (the rule is the same
 * for every repo type), and `prune` on a local dir, which deletes only files nightpull wrote
 * that the new commit lacks — never a file of the user's, nor one someone rewrote since.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { namesIn } from "../../_tree.ts";
import { type FakeRepoSpec, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { pull } from "../../../src/download/pull/pull.ts";
import { createLogger } from "../../../src/log.ts";

const KIB = 1024;

function dataset(version: number): FakeRepoSpec {
  return {
    id: "acme/rolling",
    type: "dataset",
    branches: {
      main: [
        { path: "README.md", content: "# rolling\n" },
        { path: "data/stable.parquet", size: 64 * KIB, seed: "rolling-stable", lfs: true },
        ...(version === 1
          ? [
            { path: "data/old.parquet", size: 32 * KIB, seed: "rolling-old", lfs: true },
            { path: "notes/gone.txt", content: "only in v1\n" },
            { path: "edited.txt", content: "v1 text\n" },
          ]
          : [{ path: "data/new.parquet", size: 48 * KIB, seed: "rolling-new", lfs: true }]),
      ],
    },
  };
}

async function setup() {
  const hub = await startFakeHub({ repos: [dataset(1)] });
  const tmp = await Deno.makeTempDir({ prefix: "nightpull-retention-" });
  const env = { HOME: tmp, HF_HOME: join(tmp, "hf"), HF_ENDPOINT: hub.url };
  const config = resolveConfig({ data: join(tmp, "data"), timezone: "UTC" }, env);
  const kv = await Deno.openKv(":memory:");
  const lines: string[] = [];
  const logger = createLogger({ format: "json", write: (l) => lines.push(l) });
  return {
    hub,
    tmp,
    ctx: { config, kv, env, logger },
    lines,
    close: async () => {
      kv.close();
      await hub.close();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

Deno.test("keepRevisions on a dataset: one snapshot left, its blobs kept, the old-only blobs gone", async () => {
  const t = await setup();
  try {
    const request = { source: "hf:datasets/acme/rolling", keepRevisions: 1 };
    await pull(request, t.ctx);
    const oldOnly = t.hub.fileInfo("acme/rolling", "data/old.parquet", "main", "dataset").sha256!;
    t.hub.setRepo(dataset(2));
    const report = await pull(request, t.ctx);
    const dir = join(t.ctx.config.hubCache, "datasets--acme--rolling");
    assert.deepEqual(await namesIn(join(dir, "snapshots")), [report.commit]);
    const blobs = await namesIn(join(dir, "blobs"));
    assert.ok(!blobs.includes(oldOnly));
    const stable = t.hub.fileInfo("acme/rolling", "data/stable.parquet", "main", "dataset").sha256!;
    assert.ok(blobs.includes(stable), "a blob both commits use stays");
    const event = t.lines.map((l) => JSON.parse(l)).find((l) => l.event === "cache.pruned");
    assert.ok(event, t.lines.join("\n"));
    assert.equal(event.repo, "datasets/acme/rolling");
    assert.ok(event.bytesFreed >= 32 * KIB);
  } finally {
    await t.close();
  }
});

Deno.test("prune on a local dir: files the new commit lacks go; the user's and rewritten files stay", async () => {
  const t = await setup();
  try {
    const dir = join(t.tmp, "local");
    const request = {
      source: "hf:datasets/acme/rolling",
      layout: "local-dir" as const,
      dir,
      prune: true,
    };
    await pull(request, t.ctx);
    await Deno.writeTextFile(join(dir, "mine.txt"), "the user's own file\n");
    await Deno.writeTextFile(join(dir, "edited.txt"), "rewritten by someone else, longer\n");
    t.hub.setRepo(dataset(2));
    await pull(request, t.ctx);
    const exists = (p: string) => Deno.stat(join(dir, p)).then(() => true, () => false);
    assert.equal(await exists("data/old.parquet"), false, "nightpull's file the commit lacks");
    assert.equal(await exists("notes/gone.txt"), false);
    assert.equal(await exists("notes"), false, "its emptied folder too");
    assert.equal(await exists("data/new.parquet"), true);
    assert.equal(await exists("data/stable.parquet"), true);
    assert.equal(await exists("mine.txt"), true, "a file nightpull did not write stays");
    assert.equal(await exists("edited.txt"), true, "a file rewritten since stays");
  } finally {
    await t.close();
  }
});
