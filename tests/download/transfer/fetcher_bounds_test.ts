import assert from "node:assert/strict";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import { doneRanges, readPartState } from "../../../src/download/part/part_state.ts";
import { exists, LFS_FILE, rejectsWith, withFetchEnv } from "../_fetch_env.ts";

// A body longer than the file stops at its first extra byte: size_mismatch, nothing past the
// file's size reaches the disk, and the part keeps only the file's own bytes.

const MiB = 1024 * 1024;

Deno.test("an endless body on one connection stops at the file's size; the part is the file", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, overlongBy: Infinity, times: 1 });
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    const err = await rejectsWith(fetchFile(opts), "size_mismatch");
    assert.match(err.message, /sent more than the \d+ bytes expected; stopped at the first extra/);
    assert.equal(await exists(opts.finalPath), false);
    const part = await Deno.readFile(opts.partPath);
    assert.equal(part.length, info.size);
    assert.deepEqual(part, env.bytes());
    const [body] = await env.bodyRequests();
    // Before the bound the whole endless body was written (300 MiB for a 2 MiB file).
    assert.ok(body.bodyBytes < info.size + 8 * MiB, `served ${body.bodyBytes}`);

    // The kept bytes are the file: the next call verifies them and asks the server nothing.
    const result = await fetchFile(opts);
    assert.equal(result.bytesTransferred, 0);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.equal((await env.bodyRequests()).length, 1);
  });
});

Deno.test("a few extra bytes after a resumed range: size_mismatch, the part keeps the file's bytes only", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    // The first body is cut (its extra bytes never come); the resumed one is 10 bytes too long.
    env.hub.addFault({ path: LFS_FILE, cutAfterBytes: 500_000, times: 1 });
    env.hub.addFault({ path: LFS_FILE, overlongBy: 10 });
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    await rejectsWith(fetchFile(opts), "size_mismatch");
    assert.deepEqual(await Deno.readFile(opts.partPath), env.bytes());
    const bodies = await env.bodyRequests();
    assert.deepEqual(bodies.map((r) => r.range), ["bytes=0-", "bytes=500000-"]);
  });
});

Deno.test("size unknown to the caller: a 206 longer than its Content-Range total stops there", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, overlongBy: Infinity, times: 1 });
    // Every transfer asks with a Range, so the 206 names the total.
    const opts = env.options(LFS_FILE, { connections: 2 });
    await rejectsWith(fetchFile(opts), "size_mismatch");
    const part = await Deno.readFile(opts.partPath);
    assert.equal(part.length, info.size);
    assert.deepEqual(part, env.bytes());
  });
});

Deno.test("multi-connection: a range body longer than its range is refused; only ranges of the file are kept", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const bytes = env.bytes();
    env.hub.addFault({ path: LFS_FILE, overlongBy: 4096 });
    const opts = env.options(LFS_FILE, {
      expected: { size: info.size, sha256: info.sha256 },
      connections: 4,
      minSplitSize: 256 * 1024,
    });
    const err = await rejectsWith(fetchFile(opts), "size_mismatch");
    assert.match(err.message, /more than the range bytes=\d+-\d+ it was asked for/);
    const part = await Deno.readFile(opts.partPath);
    assert.equal(part.length, info.size); // preallocated; nothing was written past the end
    const state = await readPartState(opts.partPath);
    assert.ok(state, "the sidecar records the ranges written");
    for (const range of doneRanges(state)) {
      assert.deepEqual(
        part.subarray(range.start, range.end),
        bytes.subarray(range.start, range.end),
      );
    }
    const bodies = await env.bodyRequests();
    assert.ok(bodies.every((r) => r.range !== null), "every body was a Range request");
  });
});
