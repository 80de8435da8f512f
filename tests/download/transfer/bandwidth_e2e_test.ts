/**
 * Bandwidth limits on real loopback transfers from the fake hub: a schedule's own limit over
 * one pull, the process-wide limit shared by concurrent transfers and by the connections of a
 * split download, and a timetable whose step changes mid-transfer. Rates are measured from
 * the bytes and the elapsed time; the limits are low enough that loopback is never the bound.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type FakeHub, FIXTURE_TOKEN, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import { pull, type PullEvent } from "../../../src/download/pull/pull.ts";
import { RateLimiter, rateLimiterFor } from "../../../src/download/transfer/rate_limiter.ts";
import { parseBandwidth } from "../../../src/time/bandwidth.ts";

const MiB = 1024 * 1024;
const TOLERANCE = 0.15;

async function withHub(fn: (hub: FakeHub, tmp: string) => Promise<void>): Promise<void> {
  const hub = await startFakeHub({
    repos: [
      { id: "acme/big", branches: { main: [{ path: "big.bin", size: 50 * MiB, seed: "bw-big" }] } },
      {
        id: "acme/pair",
        branches: {
          main: [
            { path: "a.bin", size: 8 * MiB, seed: "bw-a" },
            { path: "b.bin", size: 8 * MiB, seed: "bw-b" },
          ],
        },
      },
      { id: "acme/mid", branches: { main: [{ path: "mid.bin", size: 16 * MiB, seed: "bw-mid" }] } },
    ],
  });
  const tmp = await Deno.makeTempDir({ prefix: "np-bw-" });
  try {
    await fn(hub, tmp);
  } finally {
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

function configFor(hub: FakeHub, tmp: string) {
  return resolveConfig({ data: join(tmp, "data"), timezone: "UTC" }, {
    HOME: tmp,
    HF_HOME: join(tmp, "hf"),
    HF_ENDPOINT: hub.url,
  });
}

function assertRate(label: string, bytes: number, ms: number, limit: number): number {
  const rate = bytes / (ms / 1000);
  const ratio = rate / limit;
  console.log(
    `${label}: ${(rate / MiB).toFixed(2)} MiB/s for a ${(limit / MiB).toFixed(0)} MiB/s limit ` +
      `(${(ratio * 100).toFixed(1)}%)`,
  );
  assert.ok(Math.abs(ratio - 1) <= TOLERANCE, `${label}: ${rate} B/s vs limit ${limit}`);
  return rate;
}

/**
 * Times the transfers alone, from the first body progress to the last file done: what the
 * limiter governs. The pull's set-up (revision, listing, locks, free-space check) is not
 * bandwidth, and on a loaded machine it would read as a slow limiter.
 */
function transferClock() {
  let first: number | undefined;
  let last = 0;
  return {
    onEvent(e: PullEvent) {
      if (e.type === "progress" && first === undefined) first = performance.now();
      if (e.type === "file") last = performance.now();
    },
    ms(): number {
      assert.ok(first !== undefined && last > first, "transfers were timed");
      return last - first;
    },
  };
}

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test("bandwidth 10M over a 50 MiB pull lands within ±15% and the file verifies", async () => {
  await withHub(async (hub, tmp) => {
    const config = configFor(hub, tmp);
    const kv = await Deno.openKv(":memory:");
    try {
      const dir = join(tmp, "out");
      const clock = transferClock();
      const report = await pull(
        { source: "hf:acme/big", layout: "local-dir", dir, bandwidth: "10M" },
        { config, kv, env: {}, onEvent: clock.onEvent },
      );
      const ms = clock.ms();
      assert.equal(report.bytes, 50 * MiB);
      assertRate("pull 50 MiB at 10M", report.bytes, ms, 10 * MiB);
      assert.equal(
        await sha256Of(join(dir, "big.bin")),
        hub.fileInfo("acme/big", "big.bin").sha256,
      );
    } finally {
      kv.close();
    }
  });
});

Deno.test("the process-wide limit holds the sum of concurrent transfers", async () => {
  await withHub(async (hub, tmp) => {
    const config = configFor(hub, tmp);
    const kv = await Deno.openKv(":memory:");
    try {
      const global = rateLimiterFor("8M", config.timezone)!;
      const dir = join(tmp, "pair");
      const events: PullEvent[] = [];
      const clock = transferClock();
      const report = await pull(
        { source: "hf:acme/pair", layout: "local-dir", dir },
        {
          config,
          kv,
          env: {},
          limiters: [global],
          onEvent: (e) => {
            events.push(e);
            clock.onEvent(e);
          },
        },
      );
      const ms = clock.ms();
      assert.equal(report.files.done, 2);
      // both files were in flight together, or the sum would not be what is measured
      const firstDone = events.findIndex((e) => e.type === "file");
      const progressed = new Set(
        events.slice(0, firstDone).filter((e) => e.type === "progress" && e.bytes > 0).map((e) =>
          (e as { path: string }).path
        ),
      );
      assert.equal(progressed.size, 2, "the two files transferred at the same time");
      assertRate("two concurrent files under 8M", report.bytes, ms, 8 * MiB);
    } finally {
      kv.close();
    }
  });
});

Deno.test("one limiter holds the connections of a split download together", async () => {
  await withHub(async (hub, tmp) => {
    const info = hub.fileInfo("acme/mid", "mid.bin");
    const commit = hub.commitOf("acme/mid", "main");
    const limiter = new RateLimiter(parseBandwidth("8M"), "UTC");
    const connections = new Set<string>();
    const started = performance.now();
    const result = await fetchFile({
      url: `${hub.url}/acme/mid/resolve/${commit}/mid.bin`,
      headers: { authorization: `Bearer ${FIXTURE_TOKEN}` },
      partPath: join(tmp, "mid.bin.part"),
      finalPath: join(tmp, "mid.bin"),
      expected: { size: info.size, sha256: info.sha256 },
      connections: 4,
      minSplitSize: MiB,
      limiter,
    });
    const ms = performance.now() - started;
    await hub.settled();
    for (const r of hub.requests) if (r.file === "mid.bin" && r.range) connections.add(r.range);
    assert.ok(connections.size >= 4, `split into ranges: ${[...connections].join(" ")}`);
    assert.equal(result.sha256, info.sha256);
    assertRate("4 connections under 8M", result.bytesTransferred, ms, 8 * MiB);
  });
});

Deno.test("a timetable step mid-transfer changes the rate (2M, then 8M)", async () => {
  await withHub(async (hub, tmp) => {
    const info = hub.fileInfo("acme/mid", "mid.bin");
    const commit = hub.commitOf("acme/mid", "main");
    // A wall clock that reaches the 12:00 step 1.5 s after the transfer starts.
    const step = Date.parse("2026-11-23T12:00:00Z");
    const t0 = performance.now();
    const now = () => step - 1500 + (performance.now() - t0);
    const limiter = new RateLimiter(parseBandwidth("00:00,2M 12:00,8M"), "UTC", now);
    assert.equal(limiter.rate, 2 * MiB);
    const samples: { ms: number; bytes: number }[] = [];
    await fetchFile({
      url: `${hub.url}/acme/mid/resolve/${commit}/mid.bin`,
      headers: { authorization: `Bearer ${FIXTURE_TOKEN}` },
      partPath: join(tmp, "mid.bin.part"),
      finalPath: join(tmp, "mid.bin"),
      expected: { size: info.size, sha256: info.sha256 },
      connections: 1,
      limiter,
      onProgress: (bytes) => samples.push({ ms: performance.now() - t0, bytes }),
    });
    assert.equal(limiter.rate, 8 * MiB);
    const at = (ms: number) => {
      let bytes = 0;
      for (const s of samples) if (s.ms <= ms) bytes = s.bytes;
      return bytes;
    };
    // skip the first 300 ms (the burst allowance) and the 200 ms around the step
    const before = (at(1400) - at(300)) / 1.1;
    const lastMs = samples[samples.length - 1].ms;
    const after = (at(lastMs) - at(1700)) / ((lastMs - 1700) / 1000);
    console.log(
      `timetable: ${(before / MiB).toFixed(2)} MiB/s before the step, ` +
        `${(after / MiB).toFixed(2)} MiB/s after`,
    );
    assert.ok(Math.abs(before / (2 * MiB) - 1) <= TOLERANCE, `before the step: ${before} B/s`);
    assert.ok(Math.abs(after / (8 * MiB) - 1) <= TOLERANCE, `after the step: ${after} B/s`);
  });
});
