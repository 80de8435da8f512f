import assert from "node:assert/strict";
import { join } from "node:path";
import { scanCacheDir } from "@huggingface/hub";
import {
  blobPath,
  hfCacheRepo,
  incompleteBlobPath,
  linkSnapshotFile,
  readRef,
  repoFolderName,
  snapshotFilePath,
  snapshotLinkTarget,
  symlinksSupported,
  writeRef,
} from "../../../src/download/layout/hf_cache.ts";
import { CACHEDIR_TAG_CONTENT } from "../../../src/download/layout/cachedir_tag.ts";
import { NightpullError } from "../../../src/errors.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const ETAG = "e".repeat(64);

Deno.test("folder names follow huggingface_hub's repo_folder_name", () => {
  assert.equal(repoFolderName("model", "acme/tiny-model"), "models--acme--tiny-model");
  assert.equal(repoFolderName("dataset", "acme/tiny-data"), "datasets--acme--tiny-data");
  assert.equal(repoFolderName("space", "gpt2"), "spaces--gpt2");
});

Deno.test("blob, part and snapshot paths; links are relative with one ../ per folder", () => {
  const repo = hfCacheRepo("/c", "model", "acme/m");
  assert.equal(blobPath(repo, ETAG), `/c/models--acme--m/blobs/${ETAG}`);
  assert.equal(incompleteBlobPath(repo, ETAG), `/c/models--acme--m/blobs/${ETAG}.incomplete`);
  assert.equal(
    snapshotFilePath(repo, COMMIT, "a/b/c.json"),
    `/c/models--acme--m/snapshots/${COMMIT}/a/b/c.json`,
  );
  assert.equal(snapshotLinkTarget(repo, COMMIT, "c.json", ETAG), `../../blobs/${ETAG}`);
  assert.equal(snapshotLinkTarget(repo, COMMIT, "a/b/c.json", ETAG), `../../../../blobs/${ETAG}`);
});

Deno.test("non-hex commits and etags from a server are refused as unsafe paths", () => {
  const repo = hfCacheRepo("/c", "model", "acme/m");
  for (const bad of ["../../etc", "ABCDEF1", "abc", "0123/4567"]) {
    assert.throws(
      () => blobPath(repo, bad),
      (e) => e instanceof NightpullError && e.code === "unsafe_path",
    );
    assert.throws(
      () => snapshotFilePath(repo, bad, "x"),
      (e) => e instanceof NightpullError && e.code === "unsafe_path",
    );
  }
});

Deno.test("linking, re-linking and refs produce a cache scanCacheDir reads", async () => {
  const root = await Deno.makeTempDir();
  try {
    const repo = hfCacheRepo(root, "model", "acme/m");
    const other = "f".repeat(40);
    await Deno.mkdir(join(repo.dir, "blobs"), { recursive: true });
    await Deno.writeTextFile(blobPath(repo, ETAG), "hello world");
    await Deno.writeTextFile(blobPath(repo, other), "old");
    // a stale link to another blob is replaced in place
    await linkSnapshotFile(repo, COMMIT, "sub/dir/x.txt", other);
    const link = await linkSnapshotFile(repo, COMMIT, "sub/dir/x.txt", ETAG);
    await linkSnapshotFile(repo, COMMIT, "top.txt", ETAG);
    assert.equal(await Deno.readTextFile(link), "hello world");
    assert.equal(await Deno.readLink(link), `../../../../blobs/${ETAG}`);
    const leftovers = [...Deno.readDirSync(join(repo.dir, "snapshots", COMMIT, "sub", "dir"))];
    assert.deepEqual(leftovers.map((e) => e.name), ["x.txt"]);

    await writeRef(repo, "main", COMMIT);
    await writeRef(repo, "refs/pr/1", COMMIT);
    await writeRef(repo, COMMIT, COMMIT); // a commit as revision writes no ref
    assert.equal(await readRef(repo, "main"), COMMIT);
    assert.equal(await readRef(repo, "refs/pr/1"), COMMIT);
    assert.equal(await readRef(repo, COMMIT), null);
    await assert.rejects(writeRef(repo, "../x", COMMIT), (e) => e instanceof NightpullError);

    const scan = await scanCacheDir(root);
    assert.deepEqual(scan.warnings, []);
    assert.equal(scan.repos.length, 1);
    const [cached] = scan.repos;
    assert.deepEqual(cached.id, { name: "acme/m", type: "model" });
    assert.equal(cached.revisions[0].commitOid, COMMIT);
    assert.deepEqual(cached.revisions[0].refs, ["main"]);
    assert.deepEqual(cached.revisions[0].files.map((f) => [f.path.split("/").pop(), f.blob.size]), [
      ["top.txt", 11],
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a repo pulled by commit only (no ref) still scans without warnings", async () => {
  const root = await Deno.makeTempDir();
  try {
    const repo = hfCacheRepo(root, "dataset", "acme/d");
    await Deno.mkdir(join(repo.dir, "blobs"), { recursive: true });
    await Deno.writeTextFile(blobPath(repo, ETAG), "x");
    await linkSnapshotFile(repo, COMMIT, "x", ETAG);
    await writeRef(repo, COMMIT, COMMIT);
    const scan = await scanCacheDir(root);
    assert.deepEqual(scan.warnings, []);
    assert.deepEqual(scan.repos[0].id, { name: "acme/d", type: "dataset" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("copy mode: the snapshot holds a copy of the blob, kept on re-link; CACHEDIR.TAG at the root", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.equal(await symlinksSupported(root), true, "a normal folder supports symlinks");
    const repo = hfCacheRepo(root, "kernel", "acme/k");
    assert.ok(repo.dir.endsWith("kernels--acme--k"));
    const etag = "e".repeat(40);
    const commit = "c".repeat(40);
    await Deno.mkdir(join(repo.dir, "blobs"), { recursive: true });
    await Deno.writeTextFile(join(repo.dir, "blobs", etag), "content");
    const path = await linkSnapshotFile(repo, commit, "sub/f.txt", etag, { copy: true });
    const info = await Deno.lstat(path);
    assert.ok(info.isFile && !info.isSymlink);
    assert.equal(await Deno.readTextFile(path), "content");
    assert.equal(await Deno.readTextFile(join(repo.dir, "blobs", etag)), "content", "blob kept");
    assert.equal(await Deno.readTextFile(join(root, "CACHEDIR.TAG")), CACHEDIR_TAG_CONTENT);
    const again = await linkSnapshotFile(repo, commit, "sub/f.txt", etag, { copy: true });
    assert.equal(
      (await Deno.lstat(again)).mtime?.getTime(),
      info.mtime?.getTime(),
      "not rewritten",
    );
    // a symlink left by an earlier run with symlinks is replaced by a copy
    await linkSnapshotFile(repo, commit, "g.txt", etag);
    assert.ok((await Deno.lstat(snapshotFilePath(repo, commit, "g.txt"))).isSymlink);
    await linkSnapshotFile(repo, commit, "g.txt", etag, { copy: true });
    assert.ok(!(await Deno.lstat(snapshotFilePath(repo, commit, "g.txt"))).isSymlink);
    const names = [];
    for await (const e of Deno.readDir(root)) names.push(e.name);
    assert.deepEqual(names.sort(), ["CACHEDIR.TAG", "kernels--acme--k"], "no probe left behind");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
