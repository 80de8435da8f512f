import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { hashFile, verifyManifest } from "../../../src/download/verify/verify.ts";
import { type ManifestEntry, putManifestEntry } from "../../../src/store/manifest.ts";

function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

Deno.test("hashFile gives SHA-256 and the git blob SHA-1 across chunk boundaries", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const size of [0, 5, 1024 * 1024, 1024 * 1024 + 7, 3 * 1024 * 1024 - 1]) {
      const data = bytes(size);
      const path = join(dir, `f${size}`);
      await Deno.writeFile(path, data);
      const h = await hashFile(path);
      assert.equal(h.size, size);
      assert.equal(h.sha256, createHash("sha256").update(data).digest("hex"));
      const git = createHash("sha1").update(`blob ${size}\0`).update(data).digest("hex");
      assert.equal(h.gitSha1, git);
    }
    // the well-known git id of an empty blob
    assert.equal(
      (await hashFile(join(dir, "f0"))).gitSha1,
      "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verifyManifest reports ok, missing, size and hash mismatches", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(":memory:");
  try {
    const data = bytes(4096);
    const sha = createHash("sha256").update(data).digest("hex");
    const names = ["ok.bin", "gone.bin", "short.bin", "tampered.bin"];
    for (const name of names) {
      const entry: ManifestEntry = {
        source: "hf:acme/x",
        path: name,
        localPath: join(dir, name),
        commit: "a".repeat(40),
        revision: "main",
        size: data.length,
        sha256: sha,
        etag: sha,
        layout: "local-dir",
        downloadedAt: new Date(0).toISOString(),
      };
      await putManifestEntry(kv, entry);
    }
    await Deno.writeFile(join(dir, "ok.bin"), data);
    await Deno.writeFile(join(dir, "short.bin"), data.subarray(0, 100));
    const bad = data.slice();
    bad[2000] ^= 1;
    await Deno.writeFile(join(dir, "tampered.bin"), bad);
    const seen: string[] = [];
    const results = await verifyManifest(kv, { onResult: (r) => seen.push(r.entry.path) });
    const byName = Object.fromEntries(results.map((r) => [r.entry.path, r]));
    assert.equal(byName["ok.bin"].status, "ok");
    assert.equal(byName["gone.bin"].status, "missing");
    assert.equal(byName["short.bin"].status, "size_mismatch");
    assert.equal(byName["short.bin"].actualSize, 100);
    assert.equal(byName["tampered.bin"].status, "hash_mismatch");
    assert.equal(
      byName["tampered.bin"].actualSha256,
      createHash("sha256").update(bad).digest("hex"),
    );
    assert.equal(seen.length, 4);
    assert.deepEqual(await verifyManifest(kv, { source: "hf:other/y" }), []);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
