/**
 * Retention (issue 13, acceptance 2): a served schedule with `keepRevisions: 1` pulls, the hub
 * publishes a commit changing one large file, the next run leaves one snapshot: the old large
 * blob gone, the shared blobs kept, refs right, `cache.pruned` logged — and the real
 * huggingface_hub sees one revision without warnings and still loads it offline. A tag the
 * user pulled on the old commit keeps that snapshot.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { namesIn } from "../_tree.ts";
import { apiCall, startServe } from "../cli/_serve.ts";
import { cliRig } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";
import { pyhfSkipReason, runPythonJson } from "./_pyhf.ts";
import { versionedRepo } from "./_versioned_repo.ts";

const MIB = 1024 * 1024;

/** {@link namesIn}, or [] when the folder cannot be read. */
const names = (dir: string) => namesIn(dir).catch((): string[] => []);

/** Triggers schedule `id` and waits until its run succeeded. */
async function runOnce(base: string, id: string): Promise<void> {
  const started = await apiCall(base, "POST", `/schedules/${id}/trigger`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  let last: Record<string, unknown> = {};
  await waitFor(
    async () => {
      last = (await apiCall(base, "GET", `/runs/${started.body.id}`)).body;
      return ["succeeded", "failed", "skipped", "cancelled"].includes(String(last.status));
    },
    "the run to end",
    60_000,
  );
  assert.equal(last.status, "succeeded", JSON.stringify(last));
}

Deno.test("retention: keepRevisions 1 leaves one snapshot, drops the old big blob, keeps shared blobs; a tag keeps its snapshot", async () => {
  const rig = await cliRig();
  const plain = "acme/retain";
  const tagged = "acme/tagged";
  rig.hub.setRepo(versionedRepo(plain, 1));
  rig.hub.setRepo(versionedRepo(tagged, 1, true));
  const oldPlain = rig.hub.commitOf(plain, "main");
  const oldTagged = rig.hub.commitOf(tagged, "main");
  const blobOf = (repo: string, path: string) => rig.hub.fileInfo(repo, path).sha256!;
  const oldBig = blobOf(plain, "big.bin");
  const shared = blobOf(plain, "shared.bin");
  // the user pulled the tag of the old commit (before the server starts: one KV writer)
  const tag = await rig.run(["pull", `hf:${tagged}@v1`]);
  assert.equal(tag.code, 0, tag.stderr);
  const server = await startServe([], rig.env({ NIGHTPULL_LOG_FORMAT: "json" }));
  try {
    const ids: Record<string, string> = {};
    for (const repo of [plain, tagged]) {
      const created = await apiCall(server.url, "POST", "/schedules", {
        source: `hf:${repo}`,
        trigger: { type: "cron", expression: "0 3 * * *" },
        keepRevisions: 1,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.keepRevisions, 1);
      ids[repo] = created.body.id;
      await runOnce(server.url, ids[repo]);
    }
    rig.hub.setRepo(versionedRepo(plain, 2));
    rig.hub.setRepo(versionedRepo(tagged, 2, true));
    const newPlain = rig.hub.commitOf(plain, "main");
    const newTagged = rig.hub.commitOf(tagged, "main");
    assert.notEqual(newPlain, oldPlain);
    for (const repo of [plain, tagged]) await runOnce(server.url, ids[repo]);

    const plainDir = join(rig.hubCache, "models--acme--retain");
    assert.deepEqual(await names(join(plainDir, "snapshots")), [newPlain]);
    const blobs = await names(join(plainDir, "blobs"));
    assert.ok(!blobs.includes(oldBig), "the old big blob is gone");
    assert.ok(blobs.includes(shared), "the shared blob stays");
    assert.ok(blobs.includes(blobOf(plain, "big.bin")), "the new big blob is there");
    assert.equal(blobs.length, 3, `config, shared, new big, and nothing else: ${blobs}`);
    assert.deepEqual(await names(join(plainDir, "refs")), ["main"]);
    assert.equal(await Deno.readTextFile(join(plainDir, "refs", "main")), newPlain);

    const taggedDir = join(rig.hubCache, "models--acme--tagged");
    assert.deepEqual(await names(join(taggedDir, "snapshots")), [newTagged, oldTagged].sort());
    assert.equal(await Deno.readTextFile(join(taggedDir, "refs", "v1")), oldTagged);
    assert.equal(await Deno.readTextFile(join(taggedDir, "refs", "main")), newTagged);
    assert.ok((await names(join(taggedDir, "blobs"))).includes(blobOf(tagged, "big.bin")));

    const pruned = server.log().split("\n").filter((l) => l.includes('"cache.pruned"'))
      .map((l) => JSON.parse(l));
    const freed = pruned.find((p) => p.repo === plain);
    assert.ok(freed, `cache.pruned logged for ${plain}:\n${server.log()}`);
    assert.equal(freed.bytesFreed, 3 * MIB + 1, "the old big blob's bytes");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /nightpull_cache_pruned_bytes_total \d+/);
    const prunedTotal = Number(/nightpull_cache_pruned_bytes_total (\d+)/.exec(metrics)![1]);
    assert.equal(prunedTotal, 3 * MIB + 1);

    if (pyhfSkipReason()) {
      console.log(`huggingface_hub checks skipped: ${pyhfSkipReason()}`);
      return;
    }
    const seen = await runPythonJson<{ revisions: string[]; warnings: string[]; path: string }>(
      `import json, huggingface_hub as h
info = h.scan_cache_dir()
repo = [r for r in info.repos if r.repo_id == "${plain}"][0]
path = h.snapshot_download("${plain}", local_files_only=True)
print(json.dumps({"revisions": [r.commit_hash for r in repo.revisions],
                  "warnings": [str(w) for w in info.warnings], "path": path}))`,
      { endpoint: rig.hub.url, hfHome: join(rig.tmp, "hf") },
    );
    assert.deepEqual(seen.revisions, [newPlain]);
    assert.deepEqual(seen.warnings, []);
    assert.ok(seen.path.endsWith(newPlain), seen.path);
    assert.equal(
      (await Deno.stat(join(seen.path, "big.bin"))).size,
      3 * MIB + 2,
      "huggingface_hub opens the new big file offline",
    );
  } finally {
    await server.stop();
    await rig.close();
  }
});
