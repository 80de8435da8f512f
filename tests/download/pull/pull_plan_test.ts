import assert from "node:assert/strict";
import { DEFAULT_MIN_SPLIT_SIZE } from "../../../src/download/transfer/fetcher.ts";
import { hfCacheRepo } from "../../../src/download/layout/hf_cache.ts";
import type { HubFile } from "../../../src/download/hub/hub_client.ts";
import {
  ConnectionBudget,
  connectionsFor,
  planJobs,
  selectFiles,
} from "../../../src/download/pull/pull_plan.ts";
import { NightpullError } from "../../../src/errors.ts";

const COMMIT = "c".repeat(40);
const sha = (ch: string) => ch.repeat(64);
const sha1 = (ch: string) => ch.repeat(40);

const LISTING: HubFile[] = [
  { path: "config.json", size: 10, oid: sha1("1") },
  { path: "copy/config.json", size: 10, oid: sha1("1") },
  { path: "model.safetensors", size: 5000, oid: sha1("2"), lfs: { oid: sha("a"), size: 5000 } },
  { path: "sub/dir/tok.json", size: 20, oid: sha1("3") },
];

Deno.test("selectFiles filters first, then refuses any unsafe selected path, naming all", () => {
  const evil: HubFile[] = [
    ...LISTING,
    { path: "../evil.txt", size: 1, oid: sha1("4") },
    { path: "/etc/x", size: 1, oid: sha1("5") },
  ];
  assert.throws(() => selectFiles(evil), (e) => {
    assert.ok(e instanceof NightpullError);
    assert.equal(e.code, "unsafe_path");
    assert.match(e.message, /"\.\.\/evil\.txt", "\/etc\/x"/);
    assert.deepEqual(e.details?.paths, ["../evil.txt", "/etc/x"]);
    return true;
  });
  assert.deepEqual(selectFiles(evil, ["*.json"], ["copy/*"]).map((f) => f.path), [
    "config.json",
    "sub/dir/tok.json",
  ]);
});

Deno.test("hf-cache jobs share one blob per etag, largest first, parts named ours alone", () => {
  const repo = hfCacheRepo("/c", "model", "acme/m");
  const jobs = planJobs(LISTING, { layout: "hf-cache", repo, commit: COMMIT });
  assert.deepEqual(jobs.map((j) => j.etag), [sha("a"), sha1("3"), sha1("1")]);
  const [model, tok, config] = jobs;
  assert.equal(model.sha256, sha("a"));
  assert.equal(model.gitSha1, undefined);
  assert.equal(model.dataPath, `/c/models--acme--m/blobs/${sha("a")}`);
  assert.equal(model.partPath, `/c/models--acme--m/blobs/${sha("a")}.part.nightpull`);
  assert.equal(model.lockPath, `/c/.locks/models--acme--m/${sha("a")}.lock`);
  assert.equal(model.legacyPartPath, `/c/models--acme--m/blobs/${sha("a")}.incomplete`);
  assert.equal(tok.gitSha1, sha1("3"));
  // a local path is worked out when asked for (not kept per file): compare what it answers
  assert.deepEqual(config.files.map((f) => ({ path: f.path, localPath: f.localPath })), [
    { path: "config.json", localPath: `/c/models--acme--m/snapshots/${COMMIT}/config.json` },
    {
      path: "copy/config.json",
      localPath: `/c/models--acme--m/snapshots/${COMMIT}/copy/config.json`,
    },
  ]);
});

Deno.test("local-dir jobs are one copy per file, part and lock under .cache/huggingface", () => {
  const jobs = planJobs(LISTING, { layout: "local-dir", dir: "/out" });
  assert.equal(jobs.length, 4);
  const copy = jobs.find((j) => j.files[0].path === "copy/config.json")!;
  assert.equal(copy.dataPath, "/out/copy/config.json");
  assert.match(
    copy.partPath,
    /^\/out\/\.cache\/huggingface\/download\/[A-Za-z0-9_-]{27}\.part\.nightpull$/,
  );
  assert.equal(copy.lockPath, "/out/.cache/huggingface/download/copy/config.json.lock");
  assert.equal(copy.legacyPartPath, "/out/copy/config.json.part");
});

Deno.test("connections: several for large files only; the budget never oversubscribes", async () => {
  const MIB = 1024 * 1024;
  assert.equal(connectionsFor(DEFAULT_MIN_SPLIT_SIZE * 2 - 1, 8), 1);
  assert.equal(connectionsFor(DEFAULT_MIN_SPLIT_SIZE * 3, 8), 3);
  assert.equal(connectionsFor(DEFAULT_MIN_SPLIT_SIZE * 100, 8), 8);
  assert.equal(connectionsFor(64 * MIB, 8, 16 * MIB), 4);
  assert.equal(connectionsFor(0, 8), 1);
  const budget = new ConnectionBudget(4);
  assert.equal(await budget.acquire(8), 4);
  let got = 0;
  const waiting = budget.acquire(2).then((n) => (got = n));
  await Promise.resolve();
  assert.equal(got, 0, "waits while the pool is empty");
  budget.release(1);
  await waiting;
  assert.equal(got, 1, "takes what is free, at least one");
  assert.equal(budget.free, 0);
  budget.release(4);
  assert.equal(budget.free, 4);
});
