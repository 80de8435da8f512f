/**
 * Peer test 5 of issue 11 and the hf-cache extras: with `HF_HUB_DISABLE_SYMLINKS=1` the snapshot
 * holds copies, and the real huggingface_hub reads that snapshot offline; the cache root gets
 * huggingface_hub's `CACHEDIR.TAG`.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CACHEDIR_TAG_CONTENT } from "../../src/download/layout/cachedir_tag.ts";
import { cliRig } from "./_pull_cli.ts";
import { pyhfTest, runPythonJson } from "./_pyhf.ts";

const REPO = "acme/tiny-model";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

pyhfTest(
  "pyhf peer: HF_HUB_DISABLE_SYMLINKS=1 writes copies that Python reads offline",
  async () => {
    const r = await cliRig();
    try {
      const res = await r.run(["pull", `hf:${REPO}`], { HF_HUB_DISABLE_SYMLINKS: "1" });
      assert.equal(res.code, 0, res.stderr);
      const commit = r.hub.commitOf(REPO, "main");
      const snapshot = join(r.hubCache, "models--acme--tiny-model", "snapshots", commit);
      for (const path of ["config.json", "model.safetensors", "onnx/fp16/model.onnx"]) {
        const info = await Deno.lstat(join(snapshot, path));
        assert.ok(info.isFile && !info.isSymlink, `${path} is a copy`);
      }
      assert.equal(
        await Deno.readTextFile(join(r.hubCache, "CACHEDIR.TAG")),
        CACHEDIR_TAG_CONTENT,
      );

      const script = `
import hashlib, json, os, huggingface_hub as h
snap = h.snapshot_download("${REPO}", local_files_only=True)
out = {}
for root, _, files in os.walk(snap):
    for f in files:
        p = os.path.join(root, f)
        out[os.path.relpath(p, snap)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
print(json.dumps({"snapshot": snap, "files": out}))
`;
      const mark = r.hub.requests.length;
      const out = await runPythonJson<{ snapshot: string; files: Record<string, string> }>(script, {
        endpoint: r.hub.url,
        hfHome: join(r.tmp, "hf"),
        env: { HF_HUB_OFFLINE: "1" },
      });
      assert.equal(out.snapshot, snapshot);
      assert.equal(Object.keys(out.files).length, 8);
      for (const [path, hash] of Object.entries(out.files)) {
        assert.equal(hash, r.hub.fileInfo(REPO, path).sha256, path);
      }
      assert.equal(r.hub.requests.length, mark, "Python asked the hub nothing");

      // A re-pull keeps the copies and moves no body.
      const again = await r.run(["pull", `hf:${REPO}`, "--json"], { HF_HUB_DISABLE_SYMLINKS: "1" });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).bytes, 0);
      assert.equal(
        sha256(await Deno.readFile(join(snapshot, "model.safetensors"))),
        r.hub.fileInfo(REPO, "model.safetensors").sha256,
      );
    } finally {
      await r.close();
    }
  },
);
