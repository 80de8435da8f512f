/**
 * local-dir pulls keep huggingface_hub's bookkeeping: a metadata record per verified file, and
 * on a re-pull an unchanged record is trusted as huggingface_hub trusts it (no re-hash), while
 * a file modified after its record is re-checked even when the manifest knows it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { CACHEDIR_TAG_CONTENT } from "../../../src/download/layout/cachedir_tag.ts";
import { pull } from "../../../src/download/pull/pull.ts";

const REPO = "acme/tiny-model";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

Deno.test("local-dir: records per file, trusted while unchanged, re-checked once modified", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const tmp = await Deno.makeTempDir({ prefix: "np-localdir-" });
  const kvs: Deno.Kv[] = [];
  try {
    const config = resolveConfig({ data: join(tmp, "data") }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const dir = join(tmp, "out");
    const run = async () => {
      const kv = await Deno.openKv(":memory:"); // a fresh KV: no manifest record to lean on
      kvs.push(kv);
      return await pull({ source: `hf:${REPO}`, layout: "local-dir", dir }, {
        config,
        kv,
        env: {},
      });
    };
    const first = await run();
    assert.equal(first.files.done, 8);
    const commit = hub.commitOf(REPO, "main");
    const hfDir = join(dir, ".cache", "huggingface");
    for (const path of ["config.json", "model.safetensors", "onnx/fp16/model.onnx"]) {
      const info = hub.fileInfo(REPO, path);
      const [c, etag, stamp] = (await Deno.readTextFile(
        join(hfDir, "download", `${path}.metadata`),
      )).split("\n");
      assert.equal(c, commit, path);
      assert.equal(etag, info.lfs ? info.sha256 : info.gitSha1, path);
      const mtime = (await Deno.stat(join(dir, path))).mtime!.getTime() / 1000;
      assert.ok(mtime - 1 <= Number(stamp), "fresh by huggingface_hub's rule");
    }
    assert.equal(await Deno.readTextFile(join(hfDir, ".gitignore")), "*");
    assert.equal(await Deno.readTextFile(join(hfDir, "CACHEDIR.TAG")), CACHEDIR_TAG_CONTENT);

    // Same size, same mtime, other bytes: an unchanged record is trusted without hashing,
    // exactly as huggingface_hub does (this is what makes a no-op re-pull of 100 GB quick).
    const model = join(dir, "model.safetensors");
    const before = await Deno.stat(model);
    const bytes = await Deno.readFile(model);
    bytes[100] ^= 0xff;
    await Deno.writeFile(model, bytes);
    await Deno.utime(model, before.atime!, before.mtime!);
    const trusted = await run();
    assert.deepEqual(trusted.files, { total: 8, done: 0, skipped: 8 });
    assert.equal(trusted.bytes, 0);

    // Modified after its record: re-hashed, found wrong, fetched again.
    const later = new Date(before.mtime!.getTime() + 10_000);
    await Deno.utime(model, later, later);
    const repaired = await run();
    assert.deepEqual(repaired.files, { total: 8, done: 1, skipped: 7 });
    assert.equal(
      sha256(await Deno.readFile(model)),
      hub.fileInfo(REPO, "model.safetensors").sha256,
    );
  } finally {
    for (const kv of kvs) kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
