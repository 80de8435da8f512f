/**
 * `HF_HUB_OFFLINE=1` through the real CLI: a pull answered from the cache alone makes no hub
 * request; a missing file or revision fails `offline_missing` (exit 4) naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliRig } from "./_pull_cli.ts";

const REPO = "acme/tiny-model";
const OFFLINE = { HF_HUB_OFFLINE: "1" };

Deno.test("offline: a cached snapshot is pulled with no hub request; what is missing is named", async () => {
  const r = await cliRig();
  try {
    assert.equal((await r.run(["pull", REPO, "--include", "*.json"])).code, 0);
    const commit = r.hub.commitOf(REPO, "main");
    const repoDir = join(r.hubCache, "models--acme--tiny-model");
    const tree = JSON.parse(await Deno.readTextFile(join(repoDir, "trees", `${commit}.json`)));
    assert.equal(tree.format_version, 1);
    assert.equal(
      Object.keys(tree.files).length,
      8,
      "the whole listing, as huggingface_hub keeps it",
    );
    const mark = r.hub.requests.length;

    const ok = await r.run(["pull", REPO, "--include", "*.json", "--json"], OFFLINE);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.equal(report.commit, commit);
    assert.deepEqual(report.files, { total: 3, done: 0, skipped: 3 });
    assert.equal(report.bytes, 0);

    const all = await r.run(["pull", REPO], OFFLINE);
    assert.equal(all.code, 4, all.stderr);
    assert.match(all.stderr, /5 of 8 wanted files of acme\/tiny-model@main are not on disk: /);
    assert.match(all.stderr, /"model\.safetensors"/);
    assert.match(all.stderr, /unset HF_HUB_OFFLINE/);

    const named = await r.run(["pull", REPO, "config.json", "README.md", "--json"], OFFLINE);
    assert.equal(named.code, 4);
    assert.equal(JSON.parse(named.stdout).error.code, "offline_missing");
    assert.deepEqual(JSON.parse(named.stdout).error.details.paths, ["README.md"]);

    const dev = await r.run(["pull", `${REPO}@dev`], OFFLINE);
    assert.equal(dev.code, 4);
    assert.match(dev.stderr, /has no revision "dev" of acme\/tiny-model/);

    const plan = await r.run(["pull", REPO, "config.json", "--dry-run", "--json"], OFFLINE);
    assert.equal(plan.code, 0, plan.stderr);
    assert.deepEqual(JSON.parse(plan.stdout).files, [
      { path: "config.json", size: r.hub.fileInfo(REPO, "config.json").size, action: "present" },
    ]);
    assert.equal(r.hub.requests.length, mark, "not one request reached the hub");
  } finally {
    await r.close();
  }
});

Deno.test("offline: a local dir is checked against its huggingface_hub records", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "out");
    assert.equal((await r.run(["pull", REPO, "--local-dir", dir])).code, 0);
    const mark = r.hub.requests.length;
    const ok = await r.run(["pull", REPO, "--local-dir", dir], OFFLINE);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /8 files, 0 downloaded, 8 already present/);
    await Deno.remove(join(dir, "tokenizer", "vocab.json"));
    const gone = await r.run(["pull", REPO, "--local-dir", dir], OFFLINE);
    assert.equal(gone.code, 4);
    assert.match(gone.stderr, /1 of 8 wanted files .* "tokenizer\/vocab\.json"/);
    const empty = await r.run(["pull", REPO, "--local-dir", join(r.tmp, "none")], OFFLINE);
    assert.equal(empty.code, 4);
    assert.match(empty.stderr, /holds no huggingface_hub records/);
    assert.equal(r.hub.requests.length, mark);
  } finally {
    await r.close();
  }
});
