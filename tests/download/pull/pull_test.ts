import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type FakeHub,
  FIXTURE_TOKEN,
  standardRepos,
  startFakeHub,
} from "../../../fixtures/fake_hub.ts";
import { type Config, resolveConfig } from "../../../src/config.ts";
import { NightpullError } from "../../../src/errors.ts";
import { pull, type PullEvent, type PullRequest } from "../../../src/download/pull/pull.ts";
import { allManifestEntries } from "../../../src/store/manifest.ts";
import { sizeOf } from "../../e2e/_pull_cli.ts";
import { listTree } from "../../_tree.ts";

interface Rig {
  hub: FakeHub;
  kv: Deno.Kv;
  tmp: string;
  config: Config;
  run(request: PullRequest, env?: Record<string, string>, signal?: AbortSignal): Promise<{
    report: Awaited<ReturnType<typeof pull>>;
    events: PullEvent[];
  }>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const hub = await startFakeHub({ repos: standardRepos() });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-pull-" });
  const config = resolveConfig({ data: join(tmp, "data"), connections: "4" }, {
    HOME: tmp,
    HF_HOME: join(tmp, "hf"),
    HF_ENDPOINT: hub.url,
  });
  return {
    hub,
    kv,
    tmp,
    config,
    async run(request, env = {}, signal) {
      const events: PullEvent[] = [];
      const report = await pull(request, {
        config,
        kv,
        env,
        signal,
        onEvent: (e) => events.push(e),
      });
      return { report, events };
    },
    async close() {
      kv.close();
      await hub.close();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bodyRequests = (hub: FakeHub, from = 0) =>
  hub.requests.slice(from).filter((r) => r.file !== undefined && r.method === "GET");

const TINY_MAIN = [
  ".gitattributes",
  "README.md",
  "config.json",
  "tokenizer/vocab.json",
  "tokenizer/tokenizer_config.json",
  "tokenizer/merges.txt",
  "model.safetensors",
  "onnx/fp16/model.onnx",
];

Deno.test("hf-cache pull: snapshot links to verified blobs, refs, manifest; re-pull moves no body", async () => {
  const r = await rig();
  try {
    const { report, events } = await r.run({ source: "hf:acme/tiny-model" });
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    assert.equal(report.commit, commit);
    assert.deepEqual(report.files, { total: 8, done: 8, skipped: 0 });
    const repoDir = join(r.config.hubCache, "models--acme--tiny-model");
    assert.equal(await Deno.readTextFile(join(repoDir, "refs", "main")), commit);
    let expectedBytes = 0;
    for (const path of TINY_MAIN) {
      const info = r.hub.fileInfo("acme/tiny-model", path);
      expectedBytes += info.size;
      const link = join(repoDir, "snapshots", commit, path);
      const target = await Deno.readLink(link);
      const depth = path.split("/").length - 1;
      const etag = info.lfs ? info.sha256 : info.gitSha1;
      assert.equal(target, `${"../".repeat(depth + 2)}blobs/${etag}`);
      assert.equal(sha256(await Deno.readFile(link)), info.sha256, path);
    }
    assert.equal(report.bytes, expectedBytes);
    const leftovers = [...Deno.readDirSync(join(repoDir, "blobs"))].filter((e) =>
      e.name.endsWith(".incomplete")
    );
    assert.deepEqual(leftovers, []);
    const entries = await allManifestEntries(r.kv, "hf:acme/tiny-model");
    assert.equal(entries.length, 8);
    const model = entries.find((e) => e.path === "model.safetensors")!;
    assert.equal(model.sha256, r.hub.fileInfo("acme/tiny-model", "model.safetensors").sha256);
    assert.equal(model.commit, commit);
    assert.equal(model.layout, "hf-cache");
    assert.equal(events[0].type, "plan");
    assert.equal(events.filter((e) => e.type === "file" && e.status === "done").length, 8);

    const before = r.hub.requests.length;
    const again = await r.run({ source: "hf:acme/tiny-model" });
    assert.deepEqual(again.report.files, { total: 8, done: 0, skipped: 8 });
    assert.equal(again.report.bytes, 0);
    assert.deepEqual(bodyRequests(r.hub, before), [], "no file body requested on a re-pull");
  } finally {
    await r.close();
  }
});

Deno.test("blobs already in the cache but not in the manifest are re-hashed, not re-downloaded", async () => {
  const r = await rig();
  try {
    await r.run({ source: "hf:acme/tiny-model" });
    const other = await Deno.openKv(":memory:");
    try {
      const before = r.hub.requests.length;
      const report = await pull({ source: "hf:acme/tiny-model" }, {
        config: r.config,
        kv: other,
        env: {},
      });
      assert.deepEqual(report.files, { total: 8, done: 0, skipped: 8 });
      assert.deepEqual(bodyRequests(r.hub, before), []);
      assert.equal((await allManifestEntries(other)).length, 8);
    } finally {
      other.close();
    }
  } finally {
    await r.close();
  }
});

Deno.test("a tag writes refs/<tag>; a second branch adds a snapshot sharing unchanged blobs", async () => {
  const r = await rig();
  try {
    await r.run({ source: "hf:acme/tiny-model@v1.0", include: ["*.json"] });
    const repoDir = join(r.config.hubCache, "models--acme--tiny-model");
    const main = r.hub.commitOf("acme/tiny-model", "main");
    assert.equal(await Deno.readTextFile(join(repoDir, "refs", "v1.0")), main);
    const before = r.hub.requests.length;
    const dev = await r.run({ source: "hf:acme/tiny-model@dev", include: ["*.json"] });
    // vocab.json and tokenizer_config.json are the same on dev: only config.json moves
    assert.deepEqual(dev.report.files, { total: 3, done: 1, skipped: 2 });
    assert.deepEqual(bodyRequests(r.hub, before).map((q) => q.file), ["config.json"]);
    const devCommit = r.hub.commitOf("acme/tiny-model", "dev");
    assert.equal(await Deno.readTextFile(join(repoDir, "refs", "dev")), devCommit);
    assert.equal(
      await Deno.readTextFile(join(repoDir, "snapshots", devCommit, "tokenizer", "vocab.json")),
      new TextDecoder().decode(r.hub.fileBytes("acme/tiny-model", "tokenizer/vocab.json", "dev")),
    );
  } finally {
    await r.close();
  }
});

Deno.test("include/exclude select files; local-dir writes plain files and no part files", async () => {
  const r = await rig();
  try {
    const dir = join(r.tmp, "out");
    const { report } = await r.run({
      source: "hf:acme/tiny-model",
      layout: "local-dir",
      dir,
      include: ["tokenizer/", "*.safetensors"],
      exclude: ["*merges*"],
    });
    assert.deepEqual(report.files, { total: 3, done: 3, skipped: 0 });
    const found = await listTree(dir);
    // huggingface_hub's bookkeeping folder holds the locks, metadata and tree listing, never a part
    const kept = found.filter((p) => p.startsWith(".cache/"));
    assert.ok(
      kept.every((p) =>
        /\.(lock|metadata|gitignore)$|CACHEDIR\.TAG$|\/trees\/[0-9a-f]{40}\.json$/.test(p)
      ),
      kept.join(),
    );
    found.splice(0, found.length, ...found.filter((p) => !p.startsWith(".cache/")));
    assert.deepEqual(found.sort(), [
      "model.safetensors",
      "tokenizer/tokenizer_config.json",
      "tokenizer/vocab.json",
    ]);
    for (const path of found) {
      const info = await Deno.lstat(join(dir, path));
      assert.ok(info.isFile, `${path} is a plain file`);
      assert.equal(
        sha256(await Deno.readFile(join(dir, path))),
        r.hub.fileInfo("acme/tiny-model", path).sha256,
      );
    }
    const entries = await allManifestEntries(r.kv, "hf:acme/tiny-model");
    assert.deepEqual(entries.map((e) => e.layout), ["local-dir", "local-dir", "local-dir"]);
    const again = await r.run({
      source: "hf:acme/tiny-model",
      layout: "local-dir",
      dir,
      include: ["tokenizer/", "*.safetensors"],
      exclude: ["*merges*"],
    });
    assert.equal(again.report.bytes, 0);
  } finally {
    await r.close();
  }
});

Deno.test("datasets land under datasets--org--name", async () => {
  const r = await rig();
  try {
    const { report } = await r.run({ source: "hf:datasets/acme/tiny-data" });
    assert.equal(report.files.done, 5);
    const commit = r.hub.commitOf("acme/tiny-data", "main", "dataset");
    const link = join(
      r.config.hubCache,
      "datasets--acme--tiny-data",
      "snapshots",
      commit,
      "data/train.parquet",
    );
    assert.equal(
      sha256(await Deno.readFile(link)),
      r.hub.fileInfo("acme/tiny-data", "data/train.parquet", "main", "dataset").sha256,
    );
    assert.equal((await allManifestEntries(r.kv, "hf:datasets/acme/tiny-data")).length, 5);
  } finally {
    await r.close();
  }
});

Deno.test("a listing with ../ or absolute paths is refused before anything is written", async () => {
  const r = await rig();
  try {
    await assert.rejects(
      r.run({ source: "hf:acme/evil", layout: "local-dir", dir: join(r.tmp, "out") }),
      (e) =>
        e instanceof NightpullError && e.code === "unsafe_path" &&
        e.message.includes('"../evil.txt"') && e.message.includes('"/etc/x"') &&
        e.message.includes('"a/../../b"'),
    );
    await assert.rejects(
      r.run({ source: "hf:acme/evil" }),
      (e) => e instanceof NightpullError && e.code === "unsafe_path",
    );
    const names = [...Deno.readDirSync(r.tmp)].map((e) => e.name);
    assert.deepEqual(names, [], "nothing written anywhere under the temp root");
    assert.deepEqual(bodyRequests(r.hub), []);
    // what the user selects safely is still downloadable
    const ok = await r.run({ source: "hf:acme/evil", include: ["ok.txt"] });
    assert.equal(ok.report.files.done, 1);
  } finally {
    await r.close();
  }
});

Deno.test("a corrupt file fails with both hashes while the others finish; a retry fetches only it", async () => {
  const r = await rig();
  try {
    r.hub.addFault({ path: "model.safetensors", corrupt: true });
    const info = r.hub.fileInfo("acme/tiny-model", "model.safetensors");
    await assert.rejects(r.run({ source: "hf:acme/tiny-model" }), (e) => {
      assert.ok(e instanceof NightpullError, String(e));
      assert.equal(e.code, "checksum_mismatch");
      assert.match(e.message, /model\.safetensors/);
      assert.ok(e.message.includes(info.sha256), e.message);
      assert.match(e.message.replace(info.sha256, ""), /[0-9a-f]{64}/);
      return true;
    });
    const repoDir = join(r.config.hubCache, "models--acme--tiny-model");
    await assert.rejects(Deno.stat(join(repoDir, "blobs", info.sha256)), Deno.errors.NotFound);
    const entries = await allManifestEntries(r.kv, "hf:acme/tiny-model");
    assert.deepEqual(
      entries.map((e) => e.path).sort(),
      TINY_MAIN.filter((p) => p !== "model.safetensors").sort(),
    );
    await assert.rejects(Deno.stat(join(repoDir, "refs", "main")), Deno.errors.NotFound);

    r.hub.clearFaults();
    const before = r.hub.requests.length;
    const { report } = await r.run({ source: "hf:acme/tiny-model" });
    assert.deepEqual(report.files, { total: 8, done: 1, skipped: 7 });
    assert.deepEqual([...new Set(bodyRequests(r.hub, before).map((q) => q.file))], [
      "model.safetensors",
    ]);
  } finally {
    await r.close();
  }
});

Deno.test("gated repo: no token is an auth error; HF_TOKEN works and never reaches the CDN", async () => {
  const r = await rig();
  try {
    await assert.rejects(
      r.run({ source: "hf:acme/gated-model" }),
      (e) => e instanceof NightpullError && e.exitCode === 3 && /HF_TOKEN/.test(e.message),
    );
    const { report } = await r.run({ source: "hf:acme/gated-model" }, { HF_TOKEN: FIXTURE_TOKEN });
    assert.equal(report.files.done, 2);
    const cdn = r.hub.requests.filter((q) => q.origin === "cdn");
    assert.ok(cdn.length > 0, "the LFS file came from the CDN");
    assert.deepEqual(cdn.filter((q) => q.authorization !== null), []);
    assert.ok(r.hub.requests.some((q) => q.origin === "hub" && q.authorization !== null));
  } finally {
    await r.close();
  }
});

Deno.test("cut connections, 429 and 500 mid-transfer recover inside one pull", async () => {
  const r = await rig();
  try {
    r.hub.addFault({ path: "model.safetensors", cutAfterBytes: 300_000, times: 1 });
    r.hub.addFault({ path: "onnx/fp16/model.onnx", status: 429, retryAfter: 0, times: 1 });
    r.hub.addFault({ path: "tokenizer/merges.txt", status: 500, times: 1 });
    const { report } = await r.run({ source: "hf:acme/tiny-model" });
    assert.deepEqual(report.files, { total: 8, done: 8, skipped: 0 });
    const repoDir = join(r.config.hubCache, "models--acme--tiny-model");
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    for (const path of ["model.safetensors", "onnx/fp16/model.onnx", "tokenizer/merges.txt"]) {
      assert.equal(
        sha256(await Deno.readFile(join(repoDir, "snapshots", commit, path))),
        r.hub.fileInfo("acme/tiny-model", path).sha256,
      );
    }
    assert.ok(
      bodyRequests(r.hub).some((q) => q.file === "model.safetensors" && q.range !== null),
      "the cut file resumed with a Range request",
    );
  } finally {
    await r.close();
  }
});

Deno.test("abort mid-file throws interrupted and keeps what arrived for a resume", async () => {
  const r = await rig();
  try {
    const stallAt = 400_000;
    r.hub.addFault({ path: "model.safetensors", stallAfterBytes: stallAt });
    const controller = new AbortController();
    const info = r.hub.fileInfo("acme/tiny-model", "model.safetensors");
    const part = join(
      r.config.hubCache,
      "models--acme--tiny-model",
      "blobs",
      `${info.sha256}.part.nightpull`,
    );
    let reached!: () => void;
    const stalled = new Promise<void>((resolve) => (reached = resolve));
    const pending = pull({ source: "hf:acme/tiny-model" }, {
      config: r.config,
      kv: r.kv,
      env: {},
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "progress" && e.path === "model.safetensors" && e.bytes >= stallAt) {
          reached();
        }
      },
    });
    await stalled;
    controller.abort();
    await assert.rejects(pending, (e) => e instanceof NightpullError && e.code === "interrupted");
    assert.equal(await sizeOf(part), stallAt, "every received byte was flushed and kept");
    r.hub.clearFaults();
    const before = r.hub.requests.length;
    const { report } = await r.run({ source: "hf:acme/tiny-model" });
    const resumed = bodyRequests(r.hub, before).filter((q) => q.file === "model.safetensors");
    assert.ok(resumed.length > 0 && resumed.every((q) => q.range === `bytes=${stallAt}-`));
    const sentAfter = r.hub.requests.slice(before).reduce((sum, q) => sum + q.bodyBytes, 0);
    assert.equal(report.bytes, sentAfter, "the report counts exactly the body bytes sent");
    assert.equal(
      r.hub.bodyBytes((q) => q.file === "model.safetensors"),
      info.size,
      "no byte twice",
    );
  } finally {
    await r.close();
  }
});

Deno.test("URL source: sha256 verified, name from the URL, HEAD+ETag skips an unchanged re-pull", async () => {
  const r = await rig();
  try {
    const info = r.hub.fileInfo("acme/tiny-model", "onnx/fp16/model.onnx");
    const url = `${r.hub.url}/acme/tiny-model/resolve/main/onnx/fp16/model.onnx`;
    const { report } = await r.run({ source: url, sha256: info.sha256 });
    const path = join(r.config.downloadsDir, "model.onnx");
    assert.deepEqual(report.paths, [path]);
    assert.equal(sha256(await Deno.readFile(path)), info.sha256);
    const [entry] = await allManifestEntries(r.kv, url);
    assert.equal(entry.layout, "url");
    assert.equal(entry.sha256, info.sha256);

    const before = r.hub.requests.length;
    const again = await r.run({ source: url });
    assert.equal(again.report.files.skipped, 1);
    assert.deepEqual(bodyRequests(r.hub, before).filter((q) => q.bodyBytes > 0), []);

    const wrong = "0".repeat(64);
    await assert.rejects(
      r.run({ source: url, sha256: wrong, filename: "other.onnx" }),
      (e) =>
        e instanceof NightpullError && e.code === "checksum_mismatch" &&
        e.message.includes("other.onnx") && e.message.includes(wrong) &&
        e.message.includes(info.sha256),
    );
    await assert.rejects(
      Deno.stat(join(r.config.downloadsDir, "other.onnx")),
      Deno.errors.NotFound,
    );
  } finally {
    await r.close();
  }
});

Deno.test("bad requests are refused before any request is made", async () => {
  const r = await rig();
  try {
    const bad: [PullRequest, string][] = [
      [{ source: "hf:acme/tiny-model", sha256: "abc" }, "invalid_input"],
      [{ source: "hf:acme/tiny-model", layout: "local-dir" }, "invalid_input"],
      [{ source: "hf:acme/tiny-model", connections: 0 }, "invalid_input"],
      [{ source: "ftp://x/y" }, "invalid_source"],
      [{ source: `${r.hub.url}/f`, filename: "../x" }, "unsafe_path"],
    ];
    for (const [request, code] of bad) {
      await assert.rejects(r.run(request), (e) => e instanceof NightpullError && e.code === code);
    }
    assert.deepEqual(r.hub.requests, []);
  } finally {
    await r.close();
  }
});
