/**
 * The `pull` and `manifest` commands end to end: layouts, URL sources, globs, datasets,
 * manifest ls/verify, Ctrl+C and usage errors, each through the real CLI process.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { bigRepo } from "../../fixtures/fake_hub.ts";
import { cliRig, finish, sizeOf } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";
import { streamBufferSize } from "../../src/download/transfer/write_ring.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

Deno.test("local-dir with --include/--exclude, then manifest ls and verify catching a tampered file", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "out");
    const res = await r.run([
      "pull",
      "hf:acme/tiny-model@dev",
      "--local-dir",
      dir,
      "--include",
      "*.json",
      "--include",
      "*.txt",
      "--exclude",
      "tokenizer/merges.txt",
    ]);
    assert.equal(res.code, 0, res.stderr);
    const expected = [
      "config.json",
      "dev-notes.txt",
      "tokenizer/tokenizer_config.json",
      "tokenizer/vocab.json",
    ];
    for (const path of expected) {
      const info = await Deno.lstat(join(dir, path));
      assert.ok(info.isFile, path);
      assert.equal(
        sha256(await Deno.readFile(join(dir, path))),
        r.hub.fileInfo("acme/tiny-model", path, "dev").sha256,
      );
    }
    await assert.rejects(Deno.stat(join(dir, "tokenizer", "merges.txt")), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(join(dir, "model.safetensors")), Deno.errors.NotFound);
    // progress went to stderr as plain lines (not a terminal), the summary to stdout
    assert.match(res.stderr, /^done {2}config\.json/m);
    assert.ok(!res.stderr.includes("\x1b["), "no ANSI codes when stderr is not a terminal");
    assert.match(res.stdout, /4 files, 4 downloaded, 0 already present/);

    const ls = await r.run(["manifest", "ls", "--source", "hf:acme/tiny-model@main"]);
    assert.equal(ls.code, 0, ls.stderr);
    const lines = ls.stdout.trim().split("\n");
    assert.match(lines[0], /^SOURCE\s+PATH\s+SIZE\s+SHA256\s+COMMIT\s+WHEN$/);
    assert.equal(lines.length, 5);
    const devCommit = r.hub.commitOf("acme/tiny-model", "dev");
    const configSha = r.hub.fileInfo("acme/tiny-model", "config.json", "dev").sha256;
    assert.ok(
      lines.some((l) =>
        l.includes("config.json") && l.includes(configSha.slice(0, 12)) &&
        l.includes(devCommit.slice(0, 10))
      ),
      ls.stdout,
    );
    const json = JSON.parse((await r.run(["manifest", "ls", "--json"])).stdout);
    assert.equal(json.entries.length, 4);

    const good = await r.run(["manifest", "verify"]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /4 files: 4 ok/);

    const victim = join(dir, "tokenizer", "vocab.json");
    const bytes = await Deno.readFile(victim);
    bytes[3] ^= 0x20;
    await Deno.writeFile(victim, bytes);
    const bad = await r.run(["manifest", "verify"]);
    assert.equal(bad.code, 5, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /MISMATCH .*tokenizer\/vocab\.json/);
    assert.ok(bad.stdout.includes(sha256(bytes)), "the found hash is shown");

    await Deno.remove(join(dir, "dev-notes.txt"));
    await Deno.writeFile(victim, bytes.subarray(1));
    const verifyJson = await r.run(["manifest", "verify", "--json"]);
    assert.equal(verifyJson.code, 5);
    const report = JSON.parse(verifyJson.stdout);
    assert.equal(report.missing, 1);
    assert.equal(report.sizeMismatch, 1);
    assert.equal(report.ok, 2);
  } finally {
    await r.close();
  }
});

Deno.test("URL source: --sha256 good then bad; a dataset source; missing files exit 1 in verify", async () => {
  const r = await cliRig();
  try {
    const info = r.hub.fileInfo("acme/tiny-data", "data/train.parquet", "main", "dataset");
    const url = `${r.hub.url}/datasets/acme/tiny-data/resolve/main/data/train.parquet`;
    const ok = await r.run(["pull", url, "--sha256", info.sha256]);
    assert.equal(ok.code, 0, ok.stderr);
    const file = join(r.data, "downloads", "train.parquet");
    assert.equal(sha256(await Deno.readFile(file)), info.sha256);

    const wrong = "ab".repeat(32);
    const bad = await r.run(["pull", url, "--sha256", wrong, "--filename", "copy.parquet"]);
    assert.equal(bad.code, 5, bad.stderr);
    assert.ok(bad.stderr.includes(wrong) && bad.stderr.includes(info.sha256), bad.stderr);
    assert.match(bad.stderr, /copy\.parquet/);
    await assert.rejects(
      Deno.stat(join(r.data, "downloads", "copy.parquet")),
      Deno.errors.NotFound,
    );

    const ds = await r.run(["pull", "hf:datasets/acme/tiny-data", "--json"]);
    assert.equal(ds.code, 0, ds.stderr);
    assert.deepEqual(JSON.parse(ds.stdout).files, { total: 5, done: 5, skipped: 0 });
    const commit = r.hub.commitOf("acme/tiny-data", "main", "dataset");
    const link = join(
      r.hubCache,
      "datasets--acme--tiny-data",
      "snapshots",
      commit,
      "data/train.parquet",
    );
    assert.equal(sha256(await Deno.readFile(link)), info.sha256);

    await Deno.remove(file);
    const verify = await r.run(["manifest", "verify"]);
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(verify.stdout, /MISSING .*train\.parquet/);
  } finally {
    await r.close();
  }
});

Deno.test("Ctrl+C (SIGINT) stops the pull: exit 130, what arrived kept, the next run resumes", async () => {
  const r = await cliRig();
  try {
    const size = 10 * 1024 * 1024 + 17;
    const stallAt = 6 * 1024 * 1024;
    r.hub.setRepo(bigRepo(size));
    const info = r.hub.fileInfo("acme/big", "big.bin");
    const etag = info.lfs ? info.sha256 : info.gitSha1;
    const part = join(r.hubCache, "models--acme--big", "blobs", `${etag}.part.nightpull`);
    r.hub.addFault({ path: "big.bin", stallAfterBytes: stallAt });
    const child = r.spawn(["pull", "hf:acme/big"]);
    const ended = finish(child);
    // the first stream buffer on disk means the transfer is under way
    await waitFor(async () => (await sizeOf(part)) > 0, "the part file to grow");
    child.kill("SIGINT");
    const res = await ended;
    assert.equal(res.code, 130, res.stderr);
    assert.match(
      res.stderr,
      /interrupted; partial files are kept, run the same command again to resume/,
    );
    const kept = await sizeOf(part);
    // at least the buffer seen on disk before the SIGINT; how much more arrived depends on load
    assert.ok(kept >= streamBufferSize(size) && kept <= stallAt, `kept ${kept}`);
    r.hub.clearFaults();
    const again = await r.run(["pull", "hf:acme/big", "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).bytes, size - kept);
  } finally {
    await r.close();
  }
});

Deno.test("usage errors exit 2 and say what was wrong", async () => {
  const r = await cliRig();
  try {
    const cases: [string[], RegExp][] = [
      [["pull", "hf:acme/tiny-model", "--bogus"], /--bogus/],
      [
        ["pull", "hf:acme/tiny-model", "--local-dir", "a", "--cache-dir", "b"],
        /exclude each other/,
      ],
      [["pull"], /missing SOURCE/],
      [["pull", "ftp://host/file"], /invalid source "ftp:\/\/host\/file": unknown scheme/],
      [["pull", "hf:acme/tiny-model", "--sha256", "00"], /URL sources/],
      [["pull", "hf:acme/tiny-model", "--connections", "0"], /--connections/],
      [["manifest", "frob"], /unknown manifest command "frob"/],
    ];
    for (const [args, message] of cases) {
      const res = await r.run(args);
      assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, message);
    }
    assert.deepEqual(r.hub.requests, []);
  } finally {
    await r.close();
  }
});
