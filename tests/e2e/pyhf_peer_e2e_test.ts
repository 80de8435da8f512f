/**
 * The real Python huggingface_hub as a peer (issue 11, peer tests 1-3): it downloads from our
 * fake hub, reads the cache nightpull wrote, and nightpull adopts the cache it wrote.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type FakeHub, standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { pyhfTest, runPythonJson } from "./_pyhf.ts";

const REPO = "acme/tiny-model";
const DATASET = "acme/tiny-data";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function withHub(fn: (hub: FakeHub, tmp: string) => Promise<void>): Promise<void> {
  const hub = await startFakeHub({ repos: standardRepos(), treePageSize: 3 });
  const tmp = await Deno.makeTempDir({ prefix: "np-pyhf-" });
  try {
    await fn(hub, tmp);
  } finally {
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

/** sha256 of every regular file under `dir`, by path relative to it (symlinks followed). */
async function hashTree(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const info = await Deno.stat(join(dir, rel));
    if (info.isDirectory) Object.assign(out, await hashTree(dir, rel));
    else out[rel] = sha256(await Deno.readFile(join(dir, rel)));
  }
  return out;
}

pyhfTest(
  "pyhf peer: huggingface_hub downloads from the fake hub with the right bytes",
  async () => {
    await withHub(async (hub, tmp) => {
      const hfHome = join(tmp, "hf");
      const script = `
import json, huggingface_hub as h
api = h.HfApi()
files = sorted(api.list_repo_files("${REPO}"))
snap = h.snapshot_download("${REPO}")
one = h.hf_hub_download("${DATASET}", "data/train.parquet", repo_type="dataset")
info = api.get_paths_info("${REPO}", ["config.json", "model.safetensors", "tokenizer"])
infos = [{"path": i.path, "kind": type(i).__name__, "size": getattr(i, "size", None),
          "lfs": getattr(i, "lfs", None) and i.lfs.sha256} for i in info]
print(json.dumps({"files": files, "snapshot": snap, "one": one, "info": infos}))
`;
      const out = await runPythonJson<{
        files: string[];
        snapshot: string;
        one: string;
        info: { path: string; kind: string; size: number | null; lfs: string | null }[];
      }>(script, { endpoint: hub.url, hfHome });

      const paths = [
        ".gitattributes",
        "README.md",
        "config.json",
        "model.safetensors",
        "onnx/fp16/model.onnx",
        "tokenizer/merges.txt",
        "tokenizer/tokenizer_config.json",
        "tokenizer/vocab.json",
      ];
      assert.deepEqual(out.files, paths);
      const commit = hub.commitOf(REPO, "main");
      assert.equal(
        out.snapshot,
        join(hfHome, "hub", "models--acme--tiny-model", "snapshots", commit),
      );
      const want = Object.fromEntries(paths.map((p) => [p, sha256(hub.fileBytes(REPO, p))]));
      assert.deepEqual(await hashTree(out.snapshot), want);
      assert.equal(
        sha256(await Deno.readFile(out.one)),
        sha256(hub.fileBytes(DATASET, "data/train.parquet", "main", "dataset")),
      );
      const model = hub.fileInfo(REPO, "model.safetensors");
      assert.deepEqual(out.info, [
        {
          path: "config.json",
          kind: "RepoFile",
          size: hub.fileInfo(REPO, "config.json").size,
          lfs: null,
        },
        { path: "model.safetensors", kind: "RepoFile", size: model.size, lfs: model.sha256 },
        { path: "tokenizer", kind: "RepoFolder", size: null, lfs: null },
      ]);
      // It walked the paged listing (3 entries a page) and posted paths-info as a form.
      assert.ok(hub.requests.filter((r) => r.path.includes("/tree/")).length >= 3);
      assert.ok(hub.requests.some((r) => r.method === "POST" && r.path.includes("/paths-info/")));
    });
  },
);
