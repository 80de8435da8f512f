import assert from "node:assert/strict";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
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
