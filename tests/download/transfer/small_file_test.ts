import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import { partStatePath, readPartState } from "../../../src/download/part/part_state.ts";
import { SMALL_FILE_BYTES } from "../../../src/download/transfer/small_file.ts";
import { exists, rejectsWith, withFetchEnv } from "../_fetch_env.ts";

/** LFS, served by the CDN after the hub's redirect; under SMALL_FILE_BYTES. */
const SMALL_LFS = "onnx/fp16/model.onnx";
/** A plain git file served by the hub (git SHA-1 checked). */
const SMALL_GIT = "tokenizer/merges.txt";

/** Names in the folders of the part and the final file. */
async function namesBeside(...paths: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("a small file is fetched whole in one plain GET: no sidecar, no part left", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_LFS);
    assert.ok(info.size <= SMALL_FILE_BYTES);
    const opts = env.options(SMALL_LFS, { expected: { size: info.size, sha256: info.sha256 } });
    const progress: number[] = [];
    const result = await fetchFile({ ...opts, onProgress: (done) => progress.push(done) });
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes(SMALL_LFS));
    assert.equal(result.sha256, info.sha256);
    assert.equal(result.bytesTransferred, info.size);
    assert.equal(result.etag, info.sha256); // X-Linked-Etag of the hub's redirect
    assert.equal(progress.at(-1), info.size);
    assert.deepEqual(await namesBeside(opts.partPath, opts.finalPath), ["model.onnx", "out"]);
    const bodies = await env.bodyRequests(SMALL_LFS);
    assert.deepEqual(bodies.map((r) => r.range), [null]);

    const git = env.info(SMALL_GIT);
    const gitOpts = env.options(SMALL_GIT, { expected: { size: git.size, gitSha1: git.gitSha1 } });
    const gitResult = await fetchFile(gitOpts);
    assert.equal(gitResult.gitSha1, git.gitSha1);
    assert.deepEqual(await Deno.readFile(gitOpts.finalPath), env.bytes(SMALL_GIT));
  });
});

Deno.test("a small file with a part on disk is resumed from it, not fetched whole", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_LFS);
    const have = 100_003;
    const opts = env.options(SMALL_LFS, { expected: { size: info.size, sha256: info.sha256 } });
    await Deno.writeFile(opts.partPath, env.bytes(SMALL_LFS).subarray(0, have));
    const result = await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes(SMALL_LFS));
    assert.equal(result.resumedFrom, have);
    const bodies = await env.bodyRequests(SMALL_LFS);
    assert.deepEqual(bodies.map((r) => r.range), [`bytes=${have}-`]);
  });
});

Deno.test("a small file that fails its hash check writes nothing under either name", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_GIT);
    env.hub.addFault({ path: SMALL_GIT, corrupt: true });
    const opts = env.options(SMALL_GIT, { expected: { size: info.size, gitSha1: info.gitSha1 } });
    const err = await rejectsWith(fetchFile(opts), "checksum_mismatch");
    assert.match(err.message, /git-sha1/);
    assert.equal(await exists(opts.finalPath), false);
    assert.equal(await exists(opts.partPath), false);
    assert.equal(await exists(partStatePath(opts.partPath)), false);
  });
});

Deno.test("a small file's overlong body stops at the first extra byte, nothing written", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_GIT);
    env.hub.addFault({ path: SMALL_GIT, overlongBy: Infinity });
    const opts = env.options(SMALL_GIT, { expected: { size: info.size, gitSha1: info.gitSha1 } });
    const err = await rejectsWith(fetchFile(opts), "size_mismatch");
    assert.match(err.message, /more than the 3007 bytes expected/);
    assert.equal(await exists(opts.finalPath), false);
    assert.equal(await exists(opts.partPath), false);
  });
});

Deno.test("a small file's short body is fetched again whole, and verifies", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_LFS);
    env.hub.addFault({ path: SMALL_LFS, cutAfterBytes: 50_000, times: 2 });
    const opts = env.options(SMALL_LFS, { expected: { size: info.size, sha256: info.sha256 } });
    const result = await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes(SMALL_LFS));
    assert.equal(result.bytesTransferred, 2 * 50_000 + info.size);
    const bodies = await env.bodyRequests(SMALL_LFS);
    assert.deepEqual(bodies.map((r) => r.range), [null, null, null]);
    assert.equal(await exists(opts.partPath), false);
  });
});

Deno.test("an interrupted small file leaves nothing behind; the next call fetches it", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info(SMALL_LFS);
    env.hub.addFault({ path: SMALL_LFS, stallAfterBytes: 10_000, times: 1 });
    const controller = new AbortController();
    const opts = env.options(SMALL_LFS, { expected: { size: info.size, sha256: info.sha256 } });
    const err = await rejectsWith(
      fetchFile({
        ...opts,
        signal: controller.signal,
        onProgress: (done) => done >= 10_000 && controller.abort(),
      }),
      "interrupted",
    );
    assert.match(err.message, /nothing of it was written/);
    assert.equal(await exists(opts.partPath), false);
    assert.equal(await exists(opts.finalPath), false);
    assert.equal(await readPartState(opts.partPath), undefined);
    await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes(SMALL_LFS));
  });
});

Deno.test("an empty file is fetched whole too: an empty file under its final name", async () => {
  await withFetchEnv(async (env) => {
    env.hub.setRepo({ id: "acme/empty", branches: { main: [{ path: "empty.txt", content: "" }] } });
    const info = env.hub.fileInfo("acme/empty", "empty.txt");
    assert.equal(info.size, 0);
    const opts = env.options("empty.txt", {
      url: `${env.hub.url}/acme/empty/resolve/main/empty.txt`,
      expected: { size: 0, sha256: info.sha256, gitSha1: info.gitSha1 },
    });
    const result = await fetchFile(opts);
    assert.equal(result.size, 0);
    assert.equal(result.gitSha1, info.gitSha1);
    assert.equal((await Deno.readFile(opts.finalPath)).length, 0);
    assert.equal(await exists(opts.partPath), false);
  });
});
