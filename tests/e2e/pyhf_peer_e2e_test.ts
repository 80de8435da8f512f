/**
 * The real Python huggingface_hub as a peer (issue 11, peer tests 1-3): it downloads from our
 * fake hub, reads the cache nightpull wrote, and nightpull adopts the cache it wrote.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type FakeHub, standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../src/config.ts";
import { pull } from "../../src/download/pull/pull.ts";
import { pyhfTest, runPythonJson } from "./_pyhf.ts";
import { TINY_MODEL_MAIN } from "../_tiny_model.ts";

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

      const paths = TINY_MODEL_MAIN;
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

/** nightpull's pull, in process, into `<hfHome>/hub` (the cache huggingface_hub reads). */
async function nightpull(hub: FakeHub, tmp: string, hfHome: string, source: string) {
  const kv = await Deno.openKv(":memory:");
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: hfHome,
      HF_ENDPOINT: hub.url,
    });
    return await pull({ source }, { config, kv, env: {} });
  } finally {
    kv.close();
  }
}

pyhfTest(
  "pyhf peer: python reads a nightpull cache offline; scan_cache_dir has no warnings",
  async () => {
    await withHub(async (hub, tmp) => {
      const hfHome = join(tmp, "hf");
      await nightpull(hub, tmp, hfHome, `hf:${REPO}@v1.0`);
      await nightpull(hub, tmp, hfHome, `hf:${REPO}@dev`);
      await nightpull(hub, tmp, hfHome, `hf:datasets/${DATASET}`);
      const before = hub.requests.length;
      const script = `
import json, warnings, huggingface_hub as h
warnings.simplefilter("error")
model = h.snapshot_download("${REPO}", revision="v1.0", local_files_only=True)
dev = h.snapshot_download("${REPO}", revision="dev", local_files_only=True)
data = h.snapshot_download("${DATASET}", repo_type="dataset", local_files_only=True)
nested = h.hf_hub_download("${REPO}", "onnx/fp16/model.onnx", revision="v1.0", local_files_only=True)
report = h.scan_cache_dir()
repos = sorted([{"id": r.repo_id, "type": r.repo_type, "files": r.nb_files,
                 "refs": sorted(ref for rev in r.revisions for ref in rev.refs),
                 "commits": sorted(rev.commit_hash for rev in r.revisions)}
                for r in report.repos], key=lambda r: r["id"])
print(json.dumps({"model": model, "dev": dev, "data": data, "nested": nested,
                  "warnings": [str(w) for w in report.warnings], "repos": repos}))
`;
      const out = await runPythonJson<{
        model: string;
        dev: string;
        data: string;
        nested: string;
        warnings: string[];
        repos: { id: string; type: string; files: number; refs: string[]; commits: string[] }[];
      }>(script, { endpoint: hub.url, hfHome, env: { HF_HUB_OFFLINE: "1" } });
      assert.equal(hub.requests.length, before, "python asked the hub nothing");
      assert.deepEqual(out.warnings, []);
      const main = hub.commitOf(REPO, "main");
      const dev = hub.commitOf(REPO, "dev");
      const data = hub.commitOf(DATASET, "main", "dataset");
      assert.ok(out.model.endsWith(`/snapshots/${main}`), out.model);
      assert.ok(out.dev.endsWith(`/snapshots/${dev}`), out.dev);
      assert.ok(out.data.endsWith(`/snapshots/${data}`), out.data);
      assert.equal(
        sha256(await Deno.readFile(out.nested)),
        sha256(hub.fileBytes(REPO, "onnx/fp16/model.onnx")),
      );
      assert.deepEqual(out.repos, [
        { id: DATASET, type: "dataset", files: 5, refs: ["main"], commits: [data] },
        // 8 blobs of main and the 5 of dev whose content differs
        { id: REPO, type: "model", files: 13, refs: ["dev", "v1.0"], commits: [main, dev].sort() },
      ]);
      const want = (branch: string, paths: string[]) =>
        Object.fromEntries(paths.map((p) => [p, sha256(hub.fileBytes(REPO, p, branch))]));
      const mainTree = await hashTree(out.model);
      assert.deepEqual(mainTree, want("main", Object.keys(mainTree)));
      assert.equal(Object.keys(mainTree).length, 8);
    });
  },
);

pyhfTest(
  "pyhf peer: a cache filled by snapshot_download is adopted: nightpull transfers no body",
  async () => {
    await withHub(async (hub, tmp) => {
      const hfHome = join(tmp, "hf");
      await runPythonJson(
        `import json, huggingface_hub as h
print(json.dumps([h.snapshot_download("${REPO}"),
                  h.snapshot_download("${DATASET}", repo_type="dataset")]))`,
        { endpoint: hub.url, hfHome },
      );
      await hub.settled();
      const pythonBodies = hub.bodyBytes((q) => q.file !== undefined);
      assert.ok(pythonBodies > 2 * 1024 * 1024, "python downloaded the files");
      const before = hub.requests.length;
      const model = await nightpull(hub, tmp, hfHome, `hf:${REPO}`);
      const data = await nightpull(hub, tmp, hfHome, `hf:datasets/${DATASET}`);
      assert.deepEqual(model.files, { total: 8, done: 0, skipped: 8 });
      assert.deepEqual(data.files, { total: 5, done: 0, skipped: 5 });
      assert.equal(model.bytes + data.bytes, 0);
      await hub.settled();
      const after = hub.requests.slice(before);
      assert.deepEqual(after.filter((q) => q.file !== undefined || q.origin === "cdn"), []);
      assert.ok(after.every((q) => q.path.startsWith("/api/")), "only API calls");
    });
  },
);
