/**
 * Acceptance tests of the downloads issue, end to end: the real CLI in a child process, a
 * real fake hub (with its CDN origin) on loopback, the real KV file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { scanCacheDir } from "@huggingface/hub";
import { bigRepo, FIXTURE_TOKEN } from "../../fixtures/fake_hub.ts";
import { type CliRig, cliRig, finish, sizeOf } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const MODEL = "model.safetensors";

Deno.test("1+7: pull into a cache dir scanCacheDir understands; a re-pull moves no body", async () => {
  const r = await cliRig();
  try {
    const cache = join(r.tmp, "cache");
    const first = await r.run(["pull", "hf:acme/tiny-model", "--cache-dir", cache]);
    assert.equal(first.code, 0, first.stderr);
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    assert.match(
      first.stdout,
      new RegExp(`at ${commit.slice(0, 12)}: 8 files, 8 downloaded`),
    );

    const scan = await scanCacheDir(cache);
    assert.deepEqual(scan.warnings, []);
    assert.equal(scan.repos.length, 1);
    const [repo] = scan.repos;
    assert.deepEqual(repo.id, { name: "acme/tiny-model", type: "model" });
    assert.equal(repo.revisions.length, 1);
    const [revision] = repo.revisions;
    assert.equal(revision.commitOid, commit);
    assert.deepEqual(revision.refs, ["main"]);
    const top = Object.fromEntries(
      revision.files.map((f) => [f.path.slice(revision.path.length + 1), f.blob.size]),
    );
    const topLevel = [".gitattributes", "README.md", "config.json", MODEL];
    assert.deepEqual(
      top,
      Object.fromEntries(topLevel.map((p) => [p, r.hub.fileInfo("acme/tiny-model", p).size])),
    );
    // scanCacheDir does not descend into folders: check nested files through their links
    for (const path of ["tokenizer/vocab.json", "tokenizer/merges.txt", "onnx/fp16/model.onnx"]) {
      const bytes = await Deno.readFile(join(revision.path, path));
      assert.equal(sha256(bytes), r.hub.fileInfo("acme/tiny-model", path).sha256, path);
    }
    // every blob's content matches its name (sha256 for LFS) or its listing entry
    const blobsDir = join(repo.path, "blobs");
    const blobs = [...Deno.readDirSync(blobsDir)].map((e) => e.name);
    assert.equal(blobs.length, 8);
    const byEtag = new Map(
      [
        ...topLevel,
        "tokenizer/vocab.json",
        "tokenizer/tokenizer_config.json",
        "tokenizer/merges.txt",
        "onnx/fp16/model.onnx",
      ]
        .map((p) => r.hub.fileInfo("acme/tiny-model", p))
        .map((i) => [i.lfs ? i.sha256 : i.gitSha1, i.sha256] as const),
    );
    for (const blob of blobs) {
      assert.equal(sha256(await Deno.readFile(join(blobsDir, blob))), byEtag.get(blob), blob);
    }

    const before = r.hub.requests.length;
    const again = await r.run(["pull", "hf:acme/tiny-model", "--cache-dir", cache, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.deepEqual(report.files, { total: 8, done: 0, skipped: 8 });
    assert.equal(report.bytes, 0);
    const bodies = r.hub.requests.slice(before).filter((q) => q.file !== undefined);
    assert.deepEqual(bodies, [], "no file body requested by the re-pull");
  } finally {
    await r.close();
  }
});

// The fetcher writes in 4 MiB buffers: a 10 MiB file stalled after 6 MiB has one buffer on
// disk and up to 2 MiB received but not persisted when the process dies.
const BIG = 10 * 1024 * 1024 + 17;
const STALL_AT = 6 * 1024 * 1024;

/** Starts a pull of acme/big stalled at STALL_AT, waits for the part to grow, SIGKILLs it. */
async function killMidFile(r: CliRig): Promise<{ part: string; blob: string; kept: number }> {
  r.hub.setRepo(bigRepo(BIG));
  const info = r.hub.fileInfo("acme/big", "big.bin");
  const etag = info.lfs ? info.sha256 : info.gitSha1;
  const blobs = join(r.hubCache, "models--acme--big", "blobs");
  const part = join(blobs, `${etag}.part.nightpull`);
  r.hub.addFault({ path: "big.bin", stallAfterBytes: STALL_AT });
  const child = r.spawn(["pull", "hf:acme/big"]);
  const ended = finish(child);
  await waitFor(async () => (await sizeOf(part)) > 0, "the part file to grow");
  child.kill("SIGKILL");
  const killed = await ended;
  assert.equal(killed.code, 137, "killed by SIGKILL");
  await r.hub.settled();
  r.hub.clearFaults();
  return { part, blob: join(blobs, etag), kept: await sizeOf(part) };
}

Deno.test("2: SIGKILL mid-file, then a re-run resumes with Range and fetches no byte twice", async () => {
  const r = await cliRig();
  try {
    const { part, blob, kept } = await killMidFile(r);
    assert.ok(kept > 0 && kept <= STALL_AT, `part kept: ${kept} bytes`);
    const firstRun = r.hub.bodyBytes((q) => q.file === "big.bin");
    assert.ok(firstRun >= kept && firstRun <= STALL_AT, `first run received ${firstRun}`);

    const before = r.hub.requests.length;
    const second = await r.run(["pull", "hf:acme/big", "--json"]);
    assert.equal(second.code, 0, second.stderr);
    const bodies = r.hub.requests.slice(before).filter((q) =>
      q.file === "big.bin" && q.bodyBytes > 0
    );
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0].range, `bytes=${kept}-`, "resumed exactly where the part ended");
    const secondRun = r.hub.bodyBytes((q) => q.file === "big.bin") - firstRun;
    assert.equal(secondRun, BIG - kept, "the re-run fetched only the missing bytes");
    assert.equal(JSON.parse(second.stdout).bytes, secondRun);
    // Bytes fetched twice: only what the killed process had received but not yet written,
    // which is bounded by the stall point minus one written buffer.
    assert.ok(firstRun + secondRun - BIG <= STALL_AT - kept);
    assert.equal(sha256(await Deno.readFile(blob)), r.hub.fileInfo("acme/big", "big.bin").sha256);
    assert.equal(await sizeOf(part), 0, "no part left");
  } finally {
    await r.close();
  }
});

Deno.test("3: a server ignoring Range makes the re-run restart the file from zero", async () => {
  const r = await cliRig();
  try {
    const { blob, kept } = await killMidFile(r);
    assert.ok(kept > 0);
    r.hub.addFault({ path: "big.bin", ignoreRange: true });
    const before = r.hub.requests.length;
    const second = await r.run(["pull", "hf:acme/big"]);
    assert.equal(second.code, 0, second.stderr);
    const gets = r.hub.requests.slice(before).filter((q) =>
      q.file === "big.bin" && q.bodyBytes > 0
    );
    assert.ok(
      gets.some((q) => q.range === `bytes=${kept}-` && q.status === 200),
      "asked a range, got 200",
    );
    assert.equal(gets.at(-1)!.bodyBytes, BIG, "the whole file came again");
    assert.equal(sha256(await Deno.readFile(blob)), r.hub.fileInfo("acme/big", "big.bin").sha256);
  } finally {
    await r.close();
  }
});

Deno.test("4: corrupt bytes exit 5 naming the file and both hashes; nothing under the final name", async () => {
  const r = await cliRig();
  try {
    const info = r.hub.fileInfo("acme/tiny-model", MODEL);
    r.hub.addFault({ path: MODEL, corrupt: true });
    const res = await r.run(["pull", "hf:acme/tiny-model", "--include", MODEL, "--quiet"]);
    assert.equal(res.code, 5, res.stderr);
    assert.match(res.stderr, /model\.safetensors/);
    assert.ok(res.stderr.includes(info.sha256), res.stderr);
    const other = res.stderr.replace(info.sha256, "").match(/[0-9a-f]{64}/);
    assert.ok(other, `the actual hash is named too: ${res.stderr}`);
    const blobs = join(r.hubCache, "models--acme--tiny-model", "blobs");
    await assert.rejects(Deno.stat(join(blobs, info.sha256)), Deno.errors.NotFound);
    const snapshot = join(
      r.hubCache,
      "models--acme--tiny-model",
      "snapshots",
      r.hub.commitOf("acme/tiny-model", "main"),
      MODEL,
    );
    await assert.rejects(Deno.lstat(snapshot), Deno.errors.NotFound);
  } finally {
    await r.close();
  }
});

Deno.test("5: gated repo needs a token (exit 3); with HF_TOKEN it works, the CDN never sees it", async () => {
  const r = await cliRig();
  try {
    const denied = await r.run(["pull", "hf:acme/gated-model"]);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /restricted/);
    assert.match(denied.stderr, /HF_TOKEN/);
    const ok = await r.run(["pull", "hf:acme/gated-model"], { HF_TOKEN: FIXTURE_TOKEN });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stderr.includes(FIXTURE_TOKEN) && !ok.stdout.includes(FIXTURE_TOKEN));
    const cdn = r.hub.requests.filter((q) => q.origin === "cdn");
    assert.ok(cdn.length > 0, "the LFS body came from the CDN origin");
    assert.deepEqual(cdn.filter((q) => q.authorization !== null), []);
    assert.ok(
      r.hub.requests.some((q) =>
        q.origin === "hub" && q.authorization === `Bearer ${FIXTURE_TOKEN}`
      ),
    );
  } finally {
    await r.close();
  }
});

Deno.test("6: a listing with ../ or absolute paths is refused and nothing lands outside the root", async () => {
  const r = await cliRig();
  try {
    const root = join(r.tmp, "out", "inner");
    const res = await r.run(["pull", "hf:acme/evil", "--local-dir", root]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /unsafe path/);
    assert.ok(res.stderr.includes('"../evil.txt"') && res.stderr.includes('"/etc/x"'), res.stderr);
    await assert.rejects(Deno.stat(join(r.tmp, "out", "evil.txt")), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(join(r.tmp, "out")), Deno.errors.NotFound);
    const cached = await r.run(["pull", "hf:acme/evil"]);
    assert.equal(cached.code, 1);
    await assert.rejects(Deno.stat(join(r.hubCache, "models--acme--evil")), Deno.errors.NotFound);
    assert.deepEqual(r.hub.requests.filter((q) => q.file !== undefined), []);
  } finally {
    await r.close();
  }
});

Deno.test("8: a cut connection, a 429 and a 500 mid-transfer recover inside one invocation", async () => {
  const r = await cliRig();
  try {
    r.hub.addFault({ path: MODEL, cutAfterBytes: 700_000, times: 1 });
    r.hub.addFault({ path: "onnx/fp16/model.onnx", status: 429, retryAfter: 1, times: 1 });
    r.hub.addFault({ path: "tokenizer/merges.txt", status: 500, times: 1 });
    const res = await r.run(["pull", "hf:acme/tiny-model", "--json"]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout).files, { total: 8, done: 8, skipped: 0 });
    const snapshot = join(
      r.hubCache,
      "models--acme--tiny-model",
      "snapshots",
      r.hub.commitOf("acme/tiny-model", "main"),
    );
    for (const path of [MODEL, "onnx/fp16/model.onnx", "tokenizer/merges.txt"]) {
      const bytes = await Deno.readFile(join(snapshot, path));
      assert.equal(sha256(bytes), r.hub.fileInfo("acme/tiny-model", path).sha256, path);
    }
    // fault answers carry no `file`: match the resolve path or the CDN's `path=` parameter
    const statuses = (file: string) =>
      r.hub.requests.filter((q) =>
        q.method === "GET" &&
        (q.file === file || q.path.endsWith(`/${file}`) ||
          q.path.includes(`path=${encodeURIComponent(file)}`))
      ).map((q) => q.status);
    assert.ok(statuses("onnx/fp16/model.onnx").includes(429));
    assert.ok(statuses("tokenizer/merges.txt").includes(500));
    assert.ok(
      r.hub.requests.some((q) =>
        q.file === MODEL && q.range?.startsWith("bytes=") && q.status === 206
      ),
      "the cut file resumed with a Range request",
    );
  } finally {
    await r.close();
  }
});
