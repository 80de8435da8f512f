import assert from "node:assert/strict";
import type { Executor } from "../../src/schedule/engine/engine.ts";
import type { DownloadSpec } from "../../src/store/records.ts";
import { type ManifestEntry, putManifestEntry } from "../../src/store/manifest.ts";
import { startApi } from "./_app.ts";

Deno.test("POST /downloads answers 202 with a pending one-off run that the engine carries out", async () => {
  const specs: DownloadSpec[] = [];
  const execute: Executor = ({ spec }) => {
    specs.push(spec);
    return Promise.resolve({
      commit: "abc123",
      files: { total: 2, done: 2, skipped: 0 },
      bytes: 7,
    });
  };
  const api = await startApi({ execute });
  try {
    const res = await api.call("POST", "/api/v1/downloads", {
      source: "hf:acme/tiny-model@main",
      include: ["*.json"],
      layout: "local-dir",
      dir: "/tmp/somewhere",
    });
    assert.equal(res.status, 202);
    assert.equal(res.json.scheduleId, null);
    assert.equal(res.json.status, "pending");
    assert.equal(res.json.trigger, "manual");
    await api.engine.idle();
    const run = await api.call("GET", `/api/v1/runs/${res.json.id}`);
    assert.equal(run.json.status, "succeeded");
    assert.equal(run.json.commit, "abc123");
    assert.equal(specs.length, 1);
    assert.equal(specs[0].source, "hf:acme/tiny-model@main");
    assert.deepEqual(specs[0].include, ["*.json"]);
    assert.equal(specs[0].layout, "local-dir");
    assert.equal(specs[0].dir, "/tmp/somewhere");
  } finally {
    await api.close();
  }
});

function entry(source: string, path: string): ManifestEntry {
  return {
    source,
    path,
    localPath: `/data/${source.replace(/\W/g, "_")}/${path}`,
    commit: "c".repeat(40),
    revision: "main",
    size: path.length,
    sha256: "ab".repeat(32),
    etag: null,
    layout: "local-dir",
    downloadedAt: "2026-11-22T03:00:00.000Z",
  };
}

Deno.test("GET /manifest lists what is downloaded, by source (revision ignored), paginated", async () => {
  const api = await startApi();
  try {
    const tiny = ["config.json", "model.safetensors", "tokenizer.json"];
    for (const p of tiny) await putManifestEntry(api.kv, entry("hf:acme/tiny-model", p));
    await putManifestEntry(api.kv, entry("hf:datasets/acme/data", "train.parquet"));
    const all = await api.call("GET", "/api/v1/manifest");
    assert.equal(all.status, 200);
    assert.equal(all.json.items.length, 4);
    assert.equal(all.json.nextCursor, null);
    const one = await api.call("GET", "/api/v1/manifest?source=hf:acme/tiny-model@main");
    assert.deepEqual(one.json.items.map((e: ManifestEntry) => e.path), tiny);
    assert.deepEqual(one.json.items[0], entry("hf:acme/tiny-model", "config.json"));
    const first = await api.call("GET", "/api/v1/manifest?source=hf:acme/tiny-model&limit=2");
    assert.equal(first.json.items.length, 2);
    assert.equal(typeof first.json.nextCursor, "string");
    const rest = await api.call(
      "GET",
      `/api/v1/manifest?source=hf:acme/tiny-model&limit=2&cursor=${
        encodeURIComponent(first.json.nextCursor)
      }`,
    );
    assert.deepEqual(rest.json.items.map((e: ManifestEntry) => e.path), ["tokenizer.json"]);
    const none = await api.call("GET", "/api/v1/manifest?source=hf:acme/absent");
    assert.deepEqual(none.json, { items: [], nextCursor: null });
  } finally {
    await api.close();
  }
});
