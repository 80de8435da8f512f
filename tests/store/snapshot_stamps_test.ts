/**
 * A snapshot's stamp copy: read back as written (across chunks), and no longer trusted once a
 * record of the source is written or deleted, or when it is of other files.
 */
import assert from "node:assert/strict";
import {
  deleteManifestEntry,
  type ManifestEntry,
  putManifestEntries,
  putManifestEntry,
} from "../../src/store/manifest.ts";
import {
  manifestVersion,
  readSnapshotCopy,
  readSnapshotStamps,
  STAMPS_PER_CHUNK,
  writeSnapshotStamps,
} from "../../src/store/snapshot_stamps.ts";

const SOURCE = "hf:acme/m";
const PLACE = "/c/models--acme--m/snapshots/abc/";

function entry(localPath: string): ManifestEntry {
  return {
    source: SOURCE,
    path: "a",
    localPath,
    commit: "abc",
    revision: "main",
    size: 1,
    sha256: "0".repeat(64),
    etag: "e",
    layout: "hf-cache",
    downloadedAt: new Date(0).toISOString(),
  };
}

Deno.test("a stamp copy reads back across chunks, and any record write or delete retires it", async () => {
  using kv = await Deno.openKv(":memory:");
  const files = STAMPS_PER_CHUNK * 2 + 7;
  const stamps = Float64Array.from({ length: files * 3 }, (_, i) => i * 1.5);
  const write = async () =>
    await writeSnapshotStamps(kv, {
      source: SOURCE,
      place: PLACE,
      digest: "d1",
      version: await manifestVersion(kv, SOURCE),
      stamps,
      request: "r1",
      paths: "a\nb/c",
    });
  assert.equal(await write(), true);
  assert.deepEqual(await readSnapshotStamps(kv, SOURCE, PLACE, "d1"), stamps);
  assert.equal(await readSnapshotStamps(kv, SOURCE, PLACE, "d2"), undefined, "other files");
  assert.equal(await readSnapshotStamps(kv, "hf:acme/other", PLACE, "d1"), undefined);
  assert.deepEqual(await readSnapshotCopy(kv, SOURCE, PLACE, "r1"), { stamps, paths: "a\nb/c" });
  assert.equal(await readSnapshotCopy(kv, SOURCE, PLACE, "r2"), undefined, "another request");

  for (
    const change of [
      () => putManifestEntry(kv, entry("/c/x")),
      () => putManifestEntries(kv, [entry("/c/y")]),
      () => deleteManifestEntry(kv, SOURCE, "/c/x"),
    ]
  ) {
    assert.equal(await write(), true);
    await change();
    assert.equal(await readSnapshotStamps(kv, SOURCE, PLACE, "d1"), undefined);
    assert.equal(await readSnapshotCopy(kv, SOURCE, PLACE, "r1"), undefined);
  }

  // a copy made from records read before a change is refused, its chunks removed
  const before = await manifestVersion(kv, SOURCE);
  await putManifestEntry(kv, entry("/c/z"));
  const saved = await writeSnapshotStamps(kv, {
    source: SOURCE,
    place: PLACE,
    digest: "d1",
    version: before,
    stamps,
    request: "r1",
    paths: "a\nb/c",
  });
  assert.equal(saved, false);
  assert.equal(await readSnapshotStamps(kv, SOURCE, PLACE, "d1"), undefined);
  const left = await Array.fromAsync(kv.list({ prefix: ["np", "stamps", SOURCE, PLACE] }));
  assert.equal(left.length, 3 + 1, "only the chunks (stamps, paths) of the copy the head names");
});
