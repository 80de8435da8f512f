/**
 * Per-file concurrency on a link where every request pays a round trip: a pull of many tiny
 * files starts with a few workers and adds more while files per second still rise, up to
 * `--max-workers` (the fake hub counts the requests in flight at once), never above it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generatedRepo, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import type { LogFields, Logger } from "../../../src/log.ts";
import { pull } from "../../../src/download/pull/pull.ts";
import { INITIAL_WORKERS } from "../../../src/download/pull/worker_controller.ts";

const FILES = 200;
const SOURCE = "hf:acme/many-files";

function debugLog(): Logger & { events: { event: string; fields?: LogFields }[] } {
  const events: { event: string; fields?: LogFields }[] = [];
  const keep = (event: string, fields?: LogFields) => events.push({ event, fields });
  return { events, debug: keep, info: keep, warn: keep, error: keep };
}

Deno.test("200 tiny files over a 20 ms round trip: the workers grow from a few to --max-workers 8, never above", async () => {
  const hub = await startFakeHub({
    repos: [generatedRepo({ files: FILES, size: 64 })],
    treePageSize: 1000,
    link: { rttMs: 20 },
  });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-workers-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data") }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const log = debugLog();
    hub.resetPeakInflight();
    const result = await pull({ source: SOURCE }, {
      config,
      kv,
      env: {},
      fileConcurrency: 8,
      logger: log,
    });
    assert.equal(result.files.done, FILES);
    const bodies = hub.requests.filter((r) => r.file !== undefined && r.method === "GET");
    assert.equal(bodies.length, FILES, "each file asked for once");
    const peak = hub.peakInflight();
    assert.ok(peak > INITIAL_WORKERS, `grew above the ${INITIAL_WORKERS} it starts with: ${peak}`);
    assert.ok(peak >= 4 && peak <= 8, `${peak} requests in flight at most (--max-workers 8)`);
    const workers = log.events.find((e) => e.event === "pull.workers")?.fields;
    assert.ok(workers, "the pull says how many workers it settled on");
    assert.equal(workers.max, 8);
    assert.ok(Number(workers.workers) >= 4, `settled on ${workers.workers} workers`);
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
