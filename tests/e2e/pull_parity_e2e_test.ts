/**
 * `nightpull pull` takes what `hf download` users type (issue 11, item 10), through the real
 * CLI: PATH arguments, bare and `hf://` sources, `--repo-type` (kernels too), `--revision`,
 * `--dry-run` (no body requested), `--force-download`, `--max-workers`, and usage errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CliRig } from "./_pull_cli.ts";
import { cliRig } from "./_pull_cli.ts";
import { listTree } from "../_tree.ts";

const REPO = "acme/tiny-model";

/** Files under a snapshot folder, relative, sorted. */
const snapshotFiles = async (root: string) => (await listTree(root)).sort();

const bodyGets = (r: CliRig, from: number) =>
  r.hub.requests.slice(from).filter((q) => q.method === "GET" && q.file !== undefined);

Deno.test("PATH arguments pull only those files (a folder means all under it); a missing one is named", async () => {
  const r = await cliRig();
  try {
    const res = await r.run(["pull", REPO, "config.json", "tokenizer/"]);
    assert.equal(res.code, 0, res.stderr);
    const snap = join(
      r.hubCache,
      "models--acme--tiny-model",
      "snapshots",
      r.hub.commitOf(REPO, "main"),
    );
    assert.deepEqual(await snapshotFiles(snap), [
      "config.json",
      "tokenizer/merges.txt",
      "tokenizer/tokenizer_config.json",
      "tokenizer/vocab.json",
    ]);
    const missing = await r.run(["pull", `hf:${REPO}`, "config.json", "nope.bin", "gone/"]);
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /not in the repo at this revision: "nope\.bin", "gone"/);
  } finally {
    await r.close();
  }
});

Deno.test("hf:// URIs, --repo-type (dataset, kernel) and --revision pick the repo and commit", async () => {
  const r = await cliRig();
  try {
    r.hub.setRepo({
      id: "acme/relu",
      type: "kernel",
      branches: { main: [{ path: "build/relu.py", content: "def relu(x): return max(0, x)\n" }] },
    });
    const runs: [string[], string][] = [
      [["pull", "hf://datasets/acme/tiny-data"], "datasets--acme--tiny-data"],
      [
        ["pull", "acme/tiny-data", "--repo-type", "dataset", "--revision", "main"],
        "datasets--acme--tiny-data",
      ],
      [["pull", "hf://kernels/acme/relu"], "kernels--acme--relu"],
      [["pull", "acme/relu", "--repo-type", "kernel"], "kernels--acme--relu"],
      [["pull", "hf://acme/tiny-model@dev/config.json"], "models--acme--tiny-model"],
      [["pull", REPO, "config.json", "--revision", "dev"], "models--acme--tiny-model"],
    ];
    for (const [args, folder] of runs) {
      const res = await r.run([...args, "--json"]);
      assert.equal(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
      const report = JSON.parse(res.stdout);
      assert.ok(report.paths.every((p: string) => p.includes(`/${folder}/`)), args.join(" "));
    }
    const dev = r.hub.commitOf(REPO, "dev");
    assert.equal(
      await Deno.readTextFile(join(r.hubCache, "models--acme--tiny-model", "refs", "dev")),
      dev,
    );
    const kernel = join(r.hubCache, "kernels--acme--relu", "snapshots");
    assert.equal((await snapshotFiles(kernel)).length, 1);
  } finally {
    await r.close();
  }
});

Deno.test("--dry-run prints the plan and requests no body; --json gives it as data", async () => {
  const r = await cliRig();
  try {
    const commit = r.hub.commitOf(REPO, "main");
    let mark = r.hub.requests.length;
    const fresh = await r.run(["pull", REPO, "--dry-run"]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(bodyGets(r, mark), [], "no file body requested");
    assert.match(fresh.stdout, /^fetch +2\.0 MiB {2}model\.safetensors$/m);
    assert.match(fresh.stdout, new RegExp(`at ${commit}: 8 files .*0 present .*8 to fetch`));
    await assert.rejects(
      Deno.stat(join(r.hubCache, "models--acme--tiny-model")),
      Deno.errors.NotFound,
    );

    assert.equal((await r.run(["pull", REPO])).code, 0);
    // damage one blob: the plan says repair; the others are present
    const blob = join(
      r.hubCache,
      "models--acme--tiny-model",
      "blobs",
      r.hub.fileInfo(REPO, "config.json").gitSha1,
    );
    await Deno.writeTextFile(blob, "{}");
    mark = r.hub.requests.length;
    const after = await r.run(["pull", REPO, "--dry-run", "--json"]);
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(bodyGets(r, mark), []);
    const plan = JSON.parse(after.stdout);
    assert.equal(plan.dryRun, true);
    assert.equal(plan.commit, commit);
    assert.deepEqual(plan.files.find((f: { path: string }) => f.path === "config.json"), {
      path: "config.json",
      size: r.hub.fileInfo(REPO, "config.json").size,
      action: "repair",
    });
    assert.equal(plan.totals.files, 8);
    assert.deepEqual(plan.totals.repair, {
      files: 1,
      bytes: r.hub.fileInfo(REPO, "config.json").size,
    });
    assert.equal(plan.totals.present.files, 7);
    assert.equal(await Deno.readTextFile(blob), "{}", "a dry run repairs nothing");
  } finally {
    await r.close();
  }
});

Deno.test("--force-download fetches present files again; --max-workers 1 pulls one file at a time", async () => {
  const r = await cliRig();
  try {
    assert.equal((await r.run(["pull", REPO, "--include", "*.json"])).code, 0);
    const mark = r.hub.requests.length;
    const forced = await r.run(["pull", REPO, "--include", "*.json", "--force-download", "--json"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout).files, { total: 3, done: 3, skipped: 0 });
    assert.equal(bodyGets(r, mark).length, 3);

    // slow bodies, so that files downloaded at once are in flight together on the hub
    r.hub.addFault({ bytesPerSecond: 512 * 1024 });
    r.hub.resetPeakInflight();
    const one = await r.run(["pull", REPO, "--max-workers", "1", "--local-dir", join(r.tmp, "d")]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(r.hub.peakInflight(), 1, "one request at a time with --max-workers 1");
    r.hub.resetPeakInflight();
    const four = await r.run(["pull", REPO, "--max-workers", "4", "--local-dir", join(r.tmp, "e")]);
    assert.equal(four.code, 0, four.stderr);
    const peak = r.hub.peakInflight();
    assert.ok(peak >= 2 && peak <= 4, `--max-workers 4: ${peak} requests in flight at most`);
  } finally {
    await r.close();
  }
});

Deno.test("usage errors exit 2 and say what would be right", async () => {
  const r = await cliRig();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["pull", REPO, "--repo-type", "models"],
        /invalid --repo-type "models": expected one of model, dataset, space, kernel/,
      ],
      [
        ["pull", "hf:datasets/acme/tiny-data", "--repo-type", "model"],
        /contradicts the "datasets\/"/,
      ],
      [["pull", `${REPO}@dev`, "--revision", "main"], /--revision main contradicts the @dev/],
      [
        ["pull", REPO, "--max-workers", "0"],
        /invalid --max-workers "0": expected a whole number from 1 to 64/,
      ],
      [["pull", "https://example.invalid/f.bin", "x.bin"], /a URL source takes no PATH arguments/],
      [["pull", "https://example.invalid/f.bin", "--dry-run"], /apply to hub sources/],
      [["pull", "hf://dataset/acme/x"], /plural/],
      [["pull"], /missing SOURCE/],
    ];
    for (const [args, message] of cases) {
      const res = await r.run(args);
      assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, message, args.join(" "));
      assert.ok(!res.stderr.includes("    at "), "no stack trace");
    }
    assert.deepEqual(r.hub.requests, [], "nothing reached the hub");
  } finally {
    await r.close();
  }
});
