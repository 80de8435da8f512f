import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import {
  partStatePath,
  readPartState,
  writePartState,
} from "../../../src/download/part/part_state.ts";
import { exists, LFS_FILE, rangesByStart, rejectsWith, withFetchEnv } from "../_fetch_env.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

Deno.test("downloads through the CDN redirect, verifies sha256, keeps the token on the hub", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    const result = await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.equal(result.sha256, info.sha256);
    assert.equal(result.size, info.size);
    assert.equal(result.bytesTransferred, info.size);
    assert.equal(result.resumedFrom, 0);
    assert.equal(result.restarted, false);
    assert.equal(result.etag, info.sha256); // X-Linked-Etag of the hub's redirect
    assert.equal(await exists(opts.partPath), false);
    assert.equal(await exists(partStatePath(opts.partPath)), false);
    await env.hub.settled();
    const hub = env.hub.requests.filter((r) => r.origin === "hub");
    const cdn = env.hub.requests.filter((r) => r.origin === "cdn");
    assert.ok(hub.length >= 1 && cdn.length >= 1);
    assert.ok(hub.every((r) => r.authorization === "Bearer hf_fixture_token"));
    assert.ok(cdn.every((r) => r.authorization === null), "Authorization leaked to the CDN");
  });
});

Deno.test("resumes an existing part with Range from its size", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const have = 700_001;
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    await Deno.writeFile(opts.partPath, env.bytes().subarray(0, have));
    const progress: [number, number | undefined][] = [];
    const result = await fetchFile({
      ...opts,
      onProgress: (done, total) => progress.push([done, total]),
    });
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.deepEqual(progress[0], [have, info.size]);
    assert.deepEqual(progress.at(-1), [info.size, info.size]);
    assert.ok(progress.every(([d], i) => i === 0 || d >= progress[i - 1][0]));
    assert.equal(result.resumedFrom, have);
    assert.equal(result.bytesTransferred, info.size - have);
    const bodies = await env.bodyRequests();
    assert.deepEqual(bodies.map((r) => r.range), [`bytes=${have}-`]);
    assert.equal(env.hub.bodyBytes((r) => r.file === LFS_FILE), info.size - have);
  });
});

Deno.test("an aborted download keeps its part and the next call resumes it", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const cut = 1_000_000;
    env.hub.addFault({ path: LFS_FILE, stallAfterBytes: cut, times: 1 });
    const controller = new AbortController();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    const err = await rejectsWith(
      fetchFile({
        ...opts,
        signal: controller.signal,
        onProgress: (done) => done >= cut && controller.abort(),
      }),
      "interrupted",
    );
    assert.match(err.message, /kept for resume/);
    assert.equal((await Deno.stat(opts.partPath)).size, cut);
    assert.equal((await readPartState(opts.partPath))?.identity.sha256, info.sha256);
    assert.equal(await exists(opts.finalPath), false);

    const result = await fetchFile(opts);
    assert.equal(result.resumedFrom, cut);
    assert.equal(result.bytesTransferred, info.size - cut);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.deepEqual(rangesByStart(await env.bodyRequests()), ["bytes=0-", `bytes=${cut}-`]);
  });
});

Deno.test("an abort before the start throws interrupted and creates nothing", async () => {
  await withFetchEnv(async (env) => {
    const opts = env.options(LFS_FILE, { signal: AbortSignal.abort() });
    await rejectsWith(fetchFile(opts), "interrupted");
    assert.equal(await exists(opts.partPath), false);
    assert.equal(env.hub.requests.length, 0);
  });
});

Deno.test("a server answering 200 to a Range request restarts from zero", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    await Deno.writeFile(opts.partPath, env.bytes().subarray(0, 500_000));
    env.hub.addFault({ path: LFS_FILE, ignoreRange: true, times: 1 });
    const result = await fetchFile(opts);
    assert.equal(result.restarted, true);
    assert.equal(result.resumedFrom, 0);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    const bodies = await env.bodyRequests();
    assert.deepEqual(bodies.map((r) => [r.range, r.status]), [[`bytes=500000-`, 200]]);
  });
});

Deno.test("a changed ETag discards the part and downloads from zero", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    // Garbage that a resume would keep: only the ETag check can save the download.
    await Deno.writeFile(opts.partPath, new Uint8Array(300_000).fill(7));
    await writePartState(opts.partPath, {
      version: 1,
      identity: { size: info.size },
      serverEtag: "an-older-version",
      total: info.size,
      layout: "append",
    });
    const result = await fetchFile(opts);
    assert.equal(result.restarted, true);
    assert.equal(result.resumedFrom, 0);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.deepEqual(rangesByStart(await env.bodyRequests()), ["bytes=0-", "bytes=300000-"]);
  });
});

Deno.test("a part recorded for other content is discarded without asking for its range", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    await Deno.writeFile(opts.partPath, new Uint8Array(300_000).fill(7));
    await writePartState(opts.partPath, {
      version: 1,
      identity: { sha256: "0".repeat(64) },
      layout: "append",
    });
    const result = await fetchFile(opts);
    assert.equal(result.restarted, true);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.deepEqual((await env.bodyRequests()).map((r) => r.range), ["bytes=0-"]);
  });
});

Deno.test("corrupt bytes fail with checksum_mismatch naming both hashes; nothing is left", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, corrupt: true, times: 2 });
    // What the corrupting server sends, fetched plainly once to know its hash.
    const corrupted = new Uint8Array(await (await fetch(env.url())).arrayBuffer());
    assert.equal(corrupted.length, info.size);
    assert.notEqual(sha256(corrupted), info.sha256);
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    const err = await rejectsWith(fetchFile(opts), "checksum_mismatch");
    assert.ok(err.message.includes(info.sha256), err.message);
    assert.ok(err.message.includes(sha256(corrupted)), err.message);
    assert.ok(err.message.includes(LFS_FILE), err.message);
    assert.equal(await exists(opts.finalPath), false);
    assert.equal(await exists(opts.partPath), false);
    assert.equal(await exists(partStatePath(opts.partPath)), false);
  });
});

Deno.test("a wrong expected size fails with size_mismatch and leaves nothing", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size + 1 } });
    const err = await rejectsWith(fetchFile(opts), "size_mismatch");
    assert.match(err.message, new RegExp(`expected ${info.size + 1} bytes`));
    assert.match(err.message, new RegExp(`${info.size}`));
    assert.equal(await exists(opts.finalPath), false);
    assert.equal(await exists(opts.partPath), false);
  });
});

Deno.test("git blob SHA-1 is checked for plain git files", async () => {
  await withFetchEnv(async (env) => {
    const path = "tokenizer/merges.txt";
    const info = env.info(path);
    assert.equal(info.lfs, false);
    const opts = env.options(path, { expected: { size: info.size, gitSha1: info.gitSha1 } });
    const result = await fetchFile(opts);
    assert.equal(result.gitSha1, info.gitSha1);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes(path));

    const wrong = env.options(path, { expected: { gitSha1: "f".repeat(40) } });
    const err = await rejectsWith(fetchFile(wrong), "checksum_mismatch");
    assert.ok(err.message.includes("f".repeat(40)) && err.message.includes(info.gitSha1));
  });
});

Deno.test("bad options are refused before anything happens", async () => {
  await withFetchEnv(async (env) => {
    await rejectsWith(
      fetchFile(env.options(LFS_FILE, { expected: { sha256: "abc" } })),
      "invalid_input",
    );
    await rejectsWith(fetchFile(env.options(LFS_FILE, { connections: 0 })), "invalid_input");
    await rejectsWith(fetchFile({ ...env.options(), url: "ftp://x/y" }), "invalid_input");
    assert.equal(env.hub.requests.length, 0);
  });
});

Deno.test("an empty file downloads, also when a Range probe gets 416", async () => {
  await withFetchEnv(async (env) => {
    env.hub.setRepo({ id: "acme/empty", branches: { main: [{ path: "empty.txt", content: "" }] } });
    const url = `${env.hub.url}/acme/empty/resolve/main/empty.txt`;
    for (const connections of [1, 8]) {
      const opts = env.options("empty.txt", { url, connections });
      const result = await fetchFile({
        ...opts,
        expected: { gitSha1: env.hub.fileInfo("acme/empty", "empty.txt").gitSha1 },
      });
      assert.equal(result.size, 0);
      assert.equal(result.sha256, sha256(new Uint8Array()));
      assert.equal((await Deno.readFile(opts.finalPath)).length, 0);
      await Deno.remove(opts.finalPath);
    }
    assert.ok(env.hub.requests.some((r) => r.range === "bytes=0-" && r.status === 416));
  });
});

Deno.test("a resumed prefix is re-hashed, including the git blob SHA-1", async () => {
  await withFetchEnv(async (env) => {
    const path = "tokenizer/merges.txt";
    const info = env.info(path);
    const opts = env.options(path, { expected: { size: info.size, gitSha1: info.gitSha1 } });
    await Deno.writeFile(opts.partPath, env.bytes(path).subarray(0, 1000));
    const result = await fetchFile(opts);
    assert.equal(result.resumedFrom, 1000);
    assert.equal(result.gitSha1, info.gitSha1);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual((await env.bodyRequests(path)).map((r) => r.range), ["bytes=1000-"]);
  });
});

Deno.test("a complete part left by an interrupted finish is verified without a request", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    await Deno.writeFile(opts.partPath, env.bytes());
    const result = await fetchFile(opts);
    assert.equal(result.bytesTransferred, 0);
    assert.equal(result.resumedFrom, info.size);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.equal(env.hub.requests.length, 0);

    // A complete part that does not verify is downloaded again rather than failing.
    await Deno.writeFile(opts.partPath, new Uint8Array(info.size));
    const again = await fetchFile(opts);
    assert.equal(again.restarted, true);
    assert.equal(again.bytesTransferred, info.size);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
  });
});

Deno.test("a bandwidth limiter is asked for every byte, in small steps, on every connection", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const steps: number[] = [];
    const limiter = {
      take: (bytes: number) => (steps.push(bytes), Promise.resolve()),
    };
    for (const connections of [1, 4]) {
      steps.length = 0;
      const opts = env.options(LFS_FILE, {
        expected: { sha256: info.sha256, size: info.size },
        connections,
        minSplitSize: 256 * 1024,
        limiter,
      });
      const result = await fetchFile(opts);
      assert.equal(steps.reduce((a, b) => a + b, 0), result.bytesTransferred);
      assert.equal(result.bytesTransferred, info.size);
      assert.ok(Math.max(...steps) <= 16 * 1024);
      await Deno.remove(opts.finalPath);
    }
  });
});

Deno.test("pinned: a changed ETag on split ranges keeps every range already written", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, cutAfterBytes: 200_000, times: 1 });
    let changed = false;
    const opts = env.options(LFS_FILE, {
      expected: { size: info.size, sha256: info.sha256 },
      connections: 4,
      minSplitSize: 256 * 1024,
      pinned: true,
      onProgress: (bytes) => {
        if (bytes >= 200_000 && !changed) {
          changed = true;
          env.hub.addFault({ path: LFS_FILE, etag: '"moved-to-xet"' });
        }
      },
    });
    const result = await fetchFile(opts);
    assert.ok(changed);
    assert.equal(result.restarted, false);
    assert.equal(result.bytesTransferred, info.size, "no byte fetched twice");
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
  });
});
