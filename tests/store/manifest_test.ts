import assert from "node:assert/strict";
import {
  allManifestEntries,
  deleteManifestEntry,
  getManifestEntry,
  listManifest,
  type ManifestEntry,
  putManifestEntry,
} from "../../src/store/manifest.ts";
import { NightpullError } from "../../src/errors.ts";

function entry(source: string, path: string, extra: Partial<ManifestEntry> = {}): ManifestEntry {
  return {
    source,
    path,
    localPath: `/cache/${source.replace(/[:/]/g, "_")}/${path}`,
    commit: "a".repeat(40),
    revision: "main",
    size: path.length,
    sha256: "b".repeat(64),
    etag: "c".repeat(40),
    layout: "hf-cache",
    downloadedAt: "2026-11-22T10:00:00.000Z",
    ...extra,
  };
}

Deno.test("put then get returns the stored record; put again replaces it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const e = entry("hf:acme/tiny-model", "config.json");
    await putManifestEntry(kv, e);
    assert.deepEqual(await getManifestEntry(kv, e.source, e.localPath), e);
    const newer = { ...e, sha256: "d".repeat(64), size: 99 };
    await putManifestEntry(kv, newer);
    assert.deepEqual(await getManifestEntry(kv, e.source, e.localPath), newer);
    assert.equal(await getManifestEntry(kv, e.source, "/elsewhere"), null);
  } finally {
    kv.close();
  }
});

Deno.test("list filters by exact source key and paginates with a cursor", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const p of ["a.json", "b.json", "c/d.bin", "e.txt", "f.txt"]) {
      await putManifestEntry(kv, entry("hf:acme/tiny-model", p));
    }
    // a source whose key is a string prefix of the other must not leak into its listing
    await putManifestEntry(kv, entry("hf:acme/tiny-model2", "x.json"));
    await putManifestEntry(kv, entry("https://example.org/f.bin", "f.bin", { layout: "url" }));

    const first = await listManifest(kv, { source: "hf:acme/tiny-model", limit: 2 });
    assert.deepEqual(first.entries.map((e) => e.path), ["a.json", "b.json"]);
    assert.ok(first.nextCursor);
    const second = await listManifest(kv, {
      source: "hf:acme/tiny-model",
      limit: 2,
      cursor: first.nextCursor,
    });
    assert.deepEqual(second.entries.map((e) => e.path), ["c/d.bin", "e.txt"]);
    const all = await allManifestEntries(kv, "hf:acme/tiny-model");
    assert.deepEqual(all.map((e) => e.path), ["a.json", "b.json", "c/d.bin", "e.txt", "f.txt"]);
    assert.equal((await allManifestEntries(kv)).length, 7);
    const one = await listManifest(kv, { source: "hf:acme/tiny-model2" });
    assert.deepEqual(one, { entries: [entry("hf:acme/tiny-model2", "x.json")] });
  } finally {
    kv.close();
  }
});

Deno.test("delete removes one record only", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = entry("hf:acme/tiny-model", "a.json");
    const b = entry("hf:acme/tiny-model", "b.json");
    await putManifestEntry(kv, a);
    await putManifestEntry(kv, b);
    await deleteManifestEntry(kv, a.source, a.localPath);
    assert.deepEqual((await allManifestEntries(kv)).map((e) => e.path), ["b.json"]);
  } finally {
    kv.close();
  }
});

Deno.test("bad limit, bad cursor and over-long keys are clear errors that write nothing", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await assert.rejects(
      listManifest(kv, { limit: 0 }),
      (e) =>
        e instanceof NightpullError && e.code === "invalid_input" && /1 to 1000/.test(e.message),
    );
    await assert.rejects(
      listManifest(kv, { cursor: "not a cursor!" }),
      (e) => e instanceof NightpullError && e.code === "invalid_cursor",
    );
    const long = entry("hf:acme/tiny-model", "x", { localPath: "/" + "d/".repeat(1000) + "x" });
    await assert.rejects(
      putManifestEntry(kv, long),
      (e) => e instanceof NightpullError && e.code === "invalid_input" && /shorter/.test(e.message),
    );
    assert.equal((await allManifestEntries(kv)).length, 0);
  } finally {
    kv.close();
  }
});

Deno.test("concurrent puts of one record both commit; the record is one of them", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = entry("hf:acme/tiny-model", "w.bin", { size: 1 });
    const b = { ...a, size: 2 };
    await Promise.all([putManifestEntry(kv, a), putManifestEntry(kv, b)]);
    const got = await getManifestEntry(kv, a.source, a.localPath);
    assert.ok(got && (got.size === 1 || got.size === 2));
  } finally {
    kv.close();
  }
});
