import assert from "node:assert/strict";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import {
  STREAM_BUFFER_SIZE,
  streamBufferSize,
} from "../../../src/download/transfer/single_stream.ts";
import { bigFile, type FetchEnv, rangesByStart, rejectsWith, withFetchEnv } from "../_fetch_env.ts";

// Just above the 64 MiB from which a single stream hashes on its hash thread (on a machine of
// 4 cores or more; on fewer the main thread hashes, and the same checks hold).
const SIZE = 64 * 1024 * 1024 + 5;

function oneConnection(env: FetchEnv) {
  return bigFile(env, SIZE, { connections: 1 });
}

Deno.test("a large file on one connection: prefix re-hashed, a cut resumed, the whole verified", async () => {
  await withFetchEnv(async (env) => {
    const { info, options, bytes } = oneConnection(env);
    const have = 1024 * 1024 + 3;
    await Deno.writeFile(options.partPath, bytes().subarray(0, have));
    const cut = 10 * 1024 * 1024 + 1;
    env.hub.addFault({ path: "big.bin", cutAfterBytes: cut, times: 1 });
    const result = await fetchFile(options);
    assert.equal(result.resumedFrom, have);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const bodies = await env.bodyRequests("big.bin");
    assert.deepEqual(rangesByStart(bodies), [`bytes=${have}-`, `bytes=${have + cut}-`]);
  });
});

Deno.test("a large part with a wrong byte in its prefix fails the file with checksum_mismatch", async () => {
  await withFetchEnv(async (env) => {
    const { info, options, bytes } = oneConnection(env);
    const prefix = bytes().slice(0, SIZE - 1000);
    prefix[12_345] ^= 0xff;
    await Deno.writeFile(options.partPath, prefix);
    const err = await rejectsWith(fetchFile(options), "checksum_mismatch");
    assert.match(err.message, new RegExp(info.sha256));
    assert.deepEqual(rangesByStart(await env.bodyRequests("big.bin")), [`bytes=${SIZE - 1000}-`]);
  });
});

Deno.test("ring buffers: a sixteenth of what is left, between 128 KiB and 3 MiB", () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const cases: [string, number | undefined, number][] = [
    ["an empty rest still gets the smallest buffer", 0, 128 * KiB],
    ["a 1 MiB file: the smallest buffer", 1 * MiB, 128 * KiB],
    ["a 4 MiB file: a sixteenth", 4 * MiB, 256 * KiB],
    ["rounded up to 64 KiB", 4 * MiB + 1, 320 * KiB],
    ["48 MiB and up: the large-file buffer", 48 * MiB, STREAM_BUFFER_SIZE],
    ["1 GiB: the large-file buffer", 1024 * MiB, STREAM_BUFFER_SIZE],
    ["unknown size: the large-file buffer", undefined, STREAM_BUFFER_SIZE],
  ];
  for (const [name, remaining, want] of cases) {
    assert.equal(streamBufferSize(remaining), want, name);
  }
});
