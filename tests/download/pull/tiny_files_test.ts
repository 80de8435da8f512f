/**
 * The short ways of a pull of many tiny files (one GET each, no sidecar, folders and free space
 * not asked again for every file) keep the guarantees: a folder swapped for a link between two
 * files is caught before anything is written through it, and a file whose lock another writer
 * holds is waited for and not fetched again once that writer finished it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeHub, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { type Config, resolveConfig } from "../../../src/config.ts";
import { NightpullError } from "../../../src/errors.ts";
import { pull, type PullEvent } from "../../../src/download/pull/pull.ts";
import { acquireFileLock, hfCacheLockPath } from "../../../src/download/part/file_lock.ts";
import { blobPath, hfCacheRepo } from "../../../src/download/layout/hf_cache.ts";

const REPO = "acme/tiny-files";
const FILES = Array.from({ length: 12 }, (_, i) => ({
  path: `a/f${i}.txt`,
  content: `tiny file ${i}\n`,
}));

interface Rig {
  hub: FakeHub;
  kv: Deno.Kv;
  tmp: string;
  config: Config;
  outside: string;
  repoDir: string;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const hub = await startFakeHub({ repos: [{ id: REPO, branches: { main: FILES } }] });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-tiny-" });
  const config = resolveConfig({ data: join(tmp, "data") }, {
    HOME: tmp,
    HF_HOME: join(tmp, "hf"),
    HF_ENDPOINT: hub.url,
  });
  const outside = join(tmp, "outside");
  await Deno.mkdir(outside);
  return {
    hub,
    kv,
    tmp,
    config,
    outside,
    repoDir: hfCacheRepo(config.hubCache, "model", REPO).dir,
    async close() {
      kv.close();
      await hub.close();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

/** Names below `dir`, recursively (links not followed). */
async function namesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    out.push(e.name);
    if (e.isDirectory) {
      out.push(...(await namesBelow(join(dir, e.name))).map((n) => `${e.name}/${n}`));
    }
  }
  return out;
}

/**
 * Pulls REPO one file at a time; `swap` runs synchronously once three files landed (their
 * folders were found real a moment ago). Returns what the pull threw.
 */
async function pullSwapping(r: Rig, swap: () => void): Promise<unknown> {
  let done = 0;
  return await pull({ source: `hf:${REPO}` }, {
    config: r.config,
    kv: r.kv,
    env: {},
    fileConcurrency: 1,
    onEvent: (e: PullEvent) => {
      if (e.type === "file" && e.status === "done" && ++done === 3) swap();
    },
  }).then(() => undefined, (err) => err);
}

Deno.test("tiny files: a snapshot folder swapped for a link after a file is caught, nothing outside", async () => {
  const r = await rig();
  try {
    const commit = r.hub.commitOf(REPO, "main");
    const snapshot = join(r.repoDir, "snapshots", commit);
    const err = await pullSwapping(r, () => {
      // every file is in a/, which the last files' links went through a moment ago
      Deno.renameSync(join(snapshot, "a"), join(r.tmp, "moved-a"));
      Deno.symlinkSync(r.outside, join(snapshot, "a"));
    });
    assert.ok(err instanceof NightpullError, `the pull fails: ${err}`);
    assert.match(err.message, /symbolic link/);
    assert.deepEqual(await namesBelow(r.outside), [], "nothing written through the link");
  } finally {
    await r.close();
  }
});

Deno.test("tiny files: blobs/ swapped for a link after a file is caught before any write", async () => {
  const r = await rig();
  try {
    const blobs = join(r.repoDir, "blobs");
    const err = await pullSwapping(r, () => {
      Deno.renameSync(blobs, join(r.tmp, "moved-blobs"));
      Deno.symlinkSync(r.outside, blobs);
    });
    assert.ok(err instanceof NightpullError, `the pull fails: ${err}`);
    assert.match(err.message, /symbolic link/);
    assert.deepEqual(await namesBelow(r.outside), [], "no part, no blob written through it");
  } finally {
    await r.close();
  }
});

Deno.test("tiny files: a file whose lock another writer holds is waited for, then not fetched again", async () => {
  const r = await rig();
  try {
    const info = r.hub.fileInfo(REPO, FILES[3].path);
    const repo = hfCacheRepo(r.config.hubCache, "model", REPO);
    const lock = await acquireFileLock(hfCacheLockPath(repo, info.gitSha1));
    let waiting!: () => void;
    const waited = new Promise<void>((resolve) => waiting = resolve);
    const pending = pull({ source: `hf:${REPO}` }, {
      config: r.config,
      kv: r.kv,
      env: {},
      onEvent: (e) => {
        if (e.type === "waiting" && e.path === FILES[3].path) waiting();
      },
    });
    await waited;
    // the other writer finishes the blob while it holds the lock, then lets go
    const blob = blobPath(repo, info.gitSha1);
    await Deno.mkdir(join(r.repoDir, "blobs"), { recursive: true });
    await Deno.writeTextFile(blob, FILES[3].content);
    await lock.release();
    const report = await pending;
    assert.equal(report.files.done + report.files.skipped, FILES.length);
    await r.hub.settled();
    const gets = r.hub.requests.filter((q) => q.method === "GET" && q.file === FILES[3].path);
    assert.deepEqual(gets, [], "the file another writer finished is not fetched again");
    const link = join(r.repoDir, "snapshots", r.hub.commitOf(REPO, "main"), FILES[3].path);
    assert.equal(await Deno.readTextFile(link), FILES[3].content);
    for (const file of FILES) {
      const path = join(r.repoDir, "snapshots", r.hub.commitOf(REPO, "main"), file.path);
      assert.equal(await Deno.readTextFile(path), file.content);
    }
  } finally {
    await r.close();
  }
});
