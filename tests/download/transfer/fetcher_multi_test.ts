import assert from "node:assert/strict";
import type { HubRequest } from "../../../fixtures/fake_hub.ts";
import { fetchFile, type FetchFileOptions } from "../../../src/download/transfer/fetcher.ts";
import { partStatePath, readPartState } from "../../../src/download/part/part_state.ts";
import { coveredBytes } from "../../../src/download/transfer/range_plan.ts";
import { NightpullError } from "../../../src/errors.ts";
import { bigFile, exists, type FetchEnv, withFetchEnv } from "../_fetch_env.ts";

const SIZE = 6 * 1024 * 1024 + 7;

/** acme/big with a 6 MiB big.bin, and options splitting it over 4 connections. */
function bigSplit(env: FetchEnv, extra: Partial<FetchFileOptions> = {}) {
  return bigFile(env, SIZE, { connections: 4, minSplitSize: 512 * 1024, ...extra });
}

async function bodies(env: FetchEnv): Promise<HubRequest[]> {
  await env.hub.settled();
  return env.hub.requests.filter((r) => r.file === "big.bin");
}

/** Parses "bytes=a-b" into [a, b + 1). */
function requested(r: HubRequest): [number, number] {
  const m = /^bytes=(\d+)-(\d*)$/.exec(r.range ?? "");
  assert.ok(m, `unexpected range ${r.range}`);
  return [Number(m[1]), m[2] === "" ? SIZE : Number(m[2]) + 1];
}

Deno.test("several connections fetch disjoint ranges into identical bytes", async () => {
  await withFetchEnv(async (env) => {
    const { info, options, bytes } = bigSplit(env);
    const result = await fetchFile(options);
    assert.equal(result.sha256, info.sha256);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const log = await bodies(env);
    assert.ok(log.length >= 4, `only ${log.length} range requests`);
    const ranges = log.map(requested).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i][0], ranges[i - 1][1]);
    assert.equal(ranges[0][0], 0);
    assert.equal(ranges[ranges.length - 1][1], SIZE);
    assert.equal(env.hub.bodyBytes((r) => r.file === "big.bin"), SIZE);
    assert.equal(result.bytesTransferred, SIZE);
    assert.ok(env.hub.requests.filter((r) => r.origin === "cdn").every((r) => !r.authorization));
    assert.equal(await exists(partStatePath(options.partPath)), false);
  });
});

Deno.test("an aborted multi-connection download resumes only its missing ranges", async () => {
  await withFetchEnv(async (env) => {
    const { options, bytes } = bigSplit(env);
    const controller = new AbortController();
    await assert.rejects(
      fetchFile({
        ...options,
        signal: controller.signal,
        onProgress: (done) => done >= SIZE / 2 && controller.abort(),
      }),
      (err) => err instanceof NightpullError && err.code === "interrupted",
    );
    const state = await readPartState(options.partPath);
    assert.equal(state?.layout, "ranges");
    const kept = coveredBytes((state?.done ?? []).map(([start, end]) => ({ start, end })));
    assert.ok(kept >= SIZE / 4 && kept < SIZE, `kept ${kept}`);
    assert.equal((await Deno.stat(options.partPath)).size, SIZE); // preallocated
    const before = env.hub.bodyBytes((r) => r.file === "big.bin");

    const result = await fetchFile(options);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    assert.equal(result.resumedFrom, kept);
    assert.equal(result.bytesTransferred, SIZE - kept);
    await env.hub.settled();
    assert.equal(env.hub.bodyBytes((r) => r.file === "big.bin") - before, SIZE - kept);
  });
});

Deno.test("cut ranges resume from where each was cut, inside one call", async () => {
  await withFetchEnv(async (env) => {
    const { options, bytes } = bigSplit(env);
    env.hub.addFault({ path: "big.bin", cutAfterBytes: 100_000, times: 3 });
    await fetchFile(options);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const log = await bodies(env);
    const cut = log.filter((r) =>
      r.bodyBytes === 100_000 && requested(r)[1] - requested(r)[0] > 100_000
    );
    assert.equal(cut.length, 3);
    for (const r of cut) {
      const [start, end] = requested(r);
      assert.ok(log.some((o) => requested(o)[0] === start + 100_000 && requested(o)[1] === end));
    }
    assert.equal(env.hub.bodyBytes((r) => r.file === "big.bin"), SIZE);
  });
});

Deno.test("5xx and a stalled range recover inside one call", async () => {
  await withFetchEnv(async (env) => {
    const { options, bytes } = bigSplit(env, { stallTimeoutMs: 500 });
    env.hub.addFault({ path: "big.bin", status: 503, times: 2 });
    await fetchFile(options);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    await env.hub.settled();
    assert.equal(env.hub.requests.filter((r) => r.status === 503).length, 2);

    env.hub.clearFaults();
    env.hub.addFault({ path: "big.bin", stallAfterBytes: 50_000, times: 1 });
    await Deno.remove(options.finalPath);
    const before = env.hub.requests.length;
    await fetchFile(options);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const log = (await bodies(env)).filter((r) => env.hub.requests.indexOf(r) >= before);
    const stalled = log.find((r) => r.bodyBytes === 50_000);
    assert.ok(stalled, "no request stalled at 50000 bytes");
    const [start, end] = requested(stalled);
    assert.ok(log.some((r) => requested(r)[0] === start + 50_000 && requested(r)[1] === end));
  });
});

Deno.test("a server ignoring ranges during a split download falls back to one stream", async () => {
  await withFetchEnv(async (env) => {
    const { options, bytes } = bigSplit(env);
    env.hub.addFault({ path: "big.bin", ignoreRange: true, times: 1 });
    await fetchFile(options);
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const log = await bodies(env);
    assert.ok(log.some((r) => r.range === null && r.status === 200 && r.bodyBytes === SIZE));
  });
});

Deno.test("without a known size a Range probe switches a big file to several connections", async () => {
  await withFetchEnv(async (env) => {
    const { options, bytes } = bigSplit(env);
    await fetchFile({ ...options, expected: undefined });
    assert.deepEqual(await Deno.readFile(options.finalPath), bytes());
    const log = await bodies(env);
    const probes = log.filter((r) => r.range === "bytes=0-");
    assert.equal(probes.length, 1);
    const ranged = log.filter((r) => r !== probes[0]);
    assert.ok(ranged.length >= 4);
    assert.ok(ranged.every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range ?? "")));
  });
});

Deno.test("corrupt ranges fail the split download with checksum_mismatch and leave nothing", async () => {
  await withFetchEnv(async (env) => {
    const { info, options } = bigSplit(env);
    env.hub.addFault({ path: "big.bin", corrupt: true, times: 1 });
    await assert.rejects(fetchFile(options), (err) => {
      assert.ok(err instanceof NightpullError);
      assert.equal(err.code, "checksum_mismatch");
      assert.ok(err.message.includes(info.sha256));
      return true;
    });
    assert.equal(await exists(options.partPath), false);
    assert.equal(await exists(partStatePath(options.partPath)), false);
    assert.equal(await exists(options.finalPath), false);
  });
});

Deno.test("a server announcing another size than expected fails a split download early", async () => {
  await withFetchEnv(async (env) => {
    const { info, options } = bigSplit(env);
    const err = await fetchFile({ ...options, expected: { size: info.size + 1 } }).then(
      () => assert.fail("resolved"),
      (e) => e,
    );
    assert.ok(err instanceof NightpullError);
    assert.equal(err.code, "size_mismatch");
    assert.match(err.message, new RegExp(`expected ${info.size + 1} bytes.*${info.size}`));
    assert.equal(await exists(options.partPath), false);
    assert.equal(await exists(partStatePath(options.partPath)), false);
  });
});
