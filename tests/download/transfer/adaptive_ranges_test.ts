import assert from "node:assert/strict";
import type { HubRequest } from "../../../fixtures/fake_hub.ts";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import { doneRanges, readPartState } from "../../../src/download/part/part_state.ts";
import { coveredBytes } from "../../../src/download/transfer/range_plan.ts";
import { NightpullError } from "../../../src/errors.ts";
import { rateLimiterFor } from "../../../src/download/transfer/rate_limiter.ts";
import { bigFile, type FetchEnv, withFetchEnv } from "../_fetch_env.ts";

const MiB = 1024 * 1024;

/** acme/big with a `size`-byte big.bin, and options to fetch it over `connections`. */
function bigRanged(env: FetchEnv, size: number, connections: number) {
  return bigFile(env, size, { connections, minSplitSize: MiB });
}

/** `[start, end)` a logged request asked for (an open end: the file's size). */
function asked(r: HubRequest, size: number): [number, number] {
  const m = /^bytes=(\d+)-(\d*)$/.exec(r.range ?? "");
  assert.ok(m, `unexpected range ${r.range}`);
  return [Number(m[1]), m[2] === "" ? size : Number(m[2]) + 1];
}

/** Pairs of (a range cut short, a later request for its tail: same end, later start). */
function steals(log: HubRequest[], size: number): [HubRequest, HubRequest][] {
  const pairs: [HubRequest, HubRequest][] = [];
  for (const victim of log) {
    const [a0, a1] = asked(victim, size);
    if (victim.bodyBytes >= a1 - a0) continue;
    for (const thief of log) {
      const [b0, b1] = asked(thief, size);
      if (b1 === a1 && b0 > a0 && b0 < a1) pairs.push([victim, thief]);
    }
  }
  return pairs;
}

Deno.test("a CDN capping each connection: the count grows to --connections and the file verifies", async () => {
  await withFetchEnv(async (env) => {
    const size = 24 * MiB + 5;
    const { info, options, bytes } = bigRanged(env, size, 8);
    env.hub.setLink({ perConnectionRate: 4 * MiB });
    env.hub.resetPeakInflight();
    const result = await fetchFile(options);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    await env.hub.settled();
    // started with 4; the rate rose with the step, so all 8 were opened
    assert.equal(env.hub.peakInflight(), 8);
    const served = env.hub.bodyBytes((r) => r.file === "big.bin");
    assert.ok(served <= 1.1 * size, `served ${served} bytes for ${size}`);
  });
});

Deno.test("a full link (a total cap): the added connections bring nothing, so no more open", async () => {
  await withFetchEnv(async (env) => {
    const size = 24 * MiB;
    const { info, options } = bigRanged(env, size, 16);
    env.hub.resetPeakInflight();
    const result = await fetchFile({ ...options, limiter: rateLimiterFor("8M", "UTC") });
    assert.equal(result.sha256, info.sha256);
    await env.hub.settled();
    // 4 at first, 8 after the first step; 8 were no faster than 4, so 16 were never opened
    assert.ok(env.hub.peakInflight() <= 8, `peak ${env.hub.peakInflight()} in flight`);
  });
});

Deno.test("a throttled connection: its tail is stolen by a free one, nothing is served twice", async () => {
  await withFetchEnv(async (env) => {
    const size = 16 * MiB;
    const { info, options, bytes } = bigRanged(env, size, 2);
    // the first range request (of one of the two connections) crawls
    env.hub.addFault({ path: "big.bin", bytesPerSecond: 128 * 1024, times: 1 });
    const result = await fetchFile(options);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    await env.hub.settled();
    const log = env.hub.requests.filter((r) => r.file === "big.bin" && r.status === 206);
    const pairs = steals(log, size);
    assert.ok(pairs.length >= 1, `no tail stolen: ${log.map((r) => `${r.range}:${r.bodyBytes}`)}`);
    const [victim, thief] = pairs[0];
    const [a0] = asked(victim, size);
    const [b0] = asked(thief, size);
    // the victim stopped at the cut (it may have read one socket read past it, never more)
    assert.ok(victim.bodyBytes <= b0 - a0 + 256 * 1024, `victim sent ${victim.bodyBytes}`);
    const served = env.hub.bodyBytes((r) => r.file === "big.bin");
    assert.ok(served <= 1.1 * size, `served ${served} bytes for ${size}`);
  });
});

Deno.test("interrupted after a steal: the sidecar lists only bytes written, and resume completes", async () => {
  await withFetchEnv(async (env) => {
    const size = 16 * MiB;
    const { options, bytes } = bigRanged(env, size, 2);
    env.hub.addFault({ path: "big.bin", bytesPerSecond: 128 * 1024, times: 1 });
    const controller = new AbortController();
    await assert.rejects(
      fetchFile({
        ...options,
        signal: controller.signal,
        onProgress: (done) => done >= size - 512 * 1024 && controller.abort(),
      }),
      (err) => err instanceof NightpullError && err.code === "interrupted",
    );
    await env.hub.settled();
    assert.ok(steals(env.hub.requests.filter((r) => r.file === "big.bin"), size).length >= 1);
    const state = await readPartState(options.partPath);
    assert.equal(state?.layout, "ranges");
    const done = doneRanges(state!);
    const part = await Deno.readFile(options.partPath);
    const want = bytes();
    for (const r of done) {
      assert.deepEqual(part.subarray(r.start, r.end), want.subarray(r.start, r.end), `${r.start}`);
    }
    const kept = coveredBytes(done);
    assert.ok(kept > size / 2 && kept < size, `kept ${kept}`);

    env.hub.clearFaults();
    const result = await fetchFile(options);
    assert.equal(result.resumedFrom, kept);
    assert.equal(result.bytesTransferred, size - kept);
    assert.deepEqual(await Deno.readFile(options.finalPath), want);
  });
});
