import assert from "node:assert/strict";
import { join } from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { bigRepo, startFakeHub } from "../../fixtures/fake_hub.ts";
import { readEvents } from "../../src/cli/sse_reader.ts";
import { startNightpull } from "../../src/cli/serve.ts";
import { resolveConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import type { Run } from "../../src/store/records.ts";
import { startApi, startHookReceiver } from "./_app.ts";

interface Family {
  name: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    count?: string;
    buckets?: Record<string, string>;
  }[];
}

/** A scrape of `/metrics`, parsed by a real Prometheus text-format parser. */
class Scrape {
  readonly families: Map<string, Family>;
  constructor(text: string) {
    const parsed = parsePrometheusTextFormat(text) as Family[];
    this.families = new Map(parsed.map((f) => [f.name, f]));
  }

  /** A series' value (0 when absent); labels must match exactly. */
  value(name: string, labels: Record<string, string> = {}): number {
    const family = this.families.get(name);
    assert.ok(family, `missing ${name}`);
    const series = family.metrics.find((m) =>
      JSON.stringify(Object.entries(m.labels ?? {}).sort()) ===
        JSON.stringify(Object.entries(labels).sort())
    );
    if (!series) return 0;
    return Number(family.type === "HISTOGRAM" ? series.count : series.value);
  }
}

async function scrape(fetchMetrics: () => Response | Promise<Response>): Promise<Scrape> {
  const res = await fetchMetrics();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return new Scrape(await res.text());
}

Deno.test("/metrics: runs by status and reason, window skips, retries, firing lag and webhooks move as runs happen", async () => {
  let calls = 0;
  const api = await startApi({
    // the first attempt ever fails, every other succeeds
    execute: () =>
      ++calls === 1 ? Promise.reject(new Error("connection reset by peer")) : Promise.resolve({
        commit: "c0ffee",
        files: { total: 1, done: 1, skipped: 0 },
        bytes: 42,
      }),
  });
  const hooks = startHookReceiver();
  const get = () => api.app.request("/metrics");
  try {
    const before = await scrape(get);
    for (const name of ["nightpull_build_info", "nightpull_kv_commit_conflicts_total"]) {
      assert.ok(before.families.has(name), name);
    }
    assert.equal(before.families.get("nightpull_firing_lag_seconds")!.type, "HISTOGRAM");
    assert.equal(
      before.families.get("nightpull_build_info")!.metrics[0].labels!.version,
      "0.1.0",
    );

    // a run that fails once, then succeeds on its retry
    const retried = await api.call("POST", "/api/v1/schedules", {
      name: "retried",
      source: "hf:acme/tiny-model",
      trigger: { type: "cron", expression: "0 3 * * *" },
      retry: { attempts: 2, backoff: "1s", maxBackoff: "1s" },
    });
    await api.call("POST", `/api/v1/schedules/${retried.json.id}/trigger`);
    await api.engine.idle();
    api.clock.advance(2000);
    await api.engine.idle();
    await api.engine.idle();
    // a run with a webhook
    const hooked = await api.call("POST", "/api/v1/schedules", {
      name: "hooked",
      source: "hf:acme/tiny-model",
      trigger: { type: "cron", expression: "0 4 * * *" },
      webhook: { url: hooks.url, secret: "whsec-metrics" },
    });
    await api.call("POST", `/api/v1/schedules/${hooked.json.id}/trigger`);
    await api.engine.idle();
    await api.engine.idle();
    // an occurrence outside its window (it is 12:00 UTC)
    await api.call("POST", "/api/v1/schedules", {
      name: "night-only",
      source: "hf:acme/tiny-model",
      trigger: { type: "cron", expression: "* * * * *" },
      timeWindow: { windows: [{ start: "22:00", end: "07:00" }], timezone: "UTC" },
    });
    api.clock.advance(60_000);
    await api.engine.idle();
    await api.engine.idle();

    const after = await scrape(get);
    const delta = (name: string, labels?: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels);
    assert.equal(delta("nightpull_runs_total", { status: "succeeded", reason: "none" }), 2);
    assert.equal(delta("nightpull_runs_total", { status: "skipped", reason: "outside_window" }), 1);
    assert.equal(delta("nightpull_window_skips_total"), 1);
    assert.equal(delta("nightpull_retries_total", { kind: "run" }), 1);
    assert.equal(delta("nightpull_webhook_deliveries_total", { outcome: "delivered" }), 1);
    // two first attempts started (the retry's start is not lag), both on time
    assert.equal(delta("nightpull_firing_lag_seconds"), 2);
    const lag = after.families.get("nightpull_firing_lag_seconds")!.metrics[0];
    assert.ok(Number(lag.buckets!["0.005"]) >= 2);
    assert.equal(hooks.bodies.length, 1);
  } finally {
    await api.close();
    await hooks.close();
  }
});

Deno.test("/metrics: download bytes, files, active transfers and checksum failures follow real pulls", async () => {
  const size = 3 * 1024 * 1024 + 11;
  const hub = await startFakeHub({ repos: [bigRepo(size)] });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-metrics-" });
  const config = resolveConfig({ data: dir, kv: ":memory:", timezone: "UTC" }, {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
  });
  const nightpull = await startNightpull(config, silentLogger);
  const app = nightpull.app;
  const get = () => app.request("/metrics");
  /** Starts a one-off download and follows its events to the end. */
  const download = async (body: Record<string, unknown>): Promise<Run> => {
    const res = await app.request("/api/v1/downloads", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 202);
    const run: Run = await res.json();
    const events = await app.request(`/api/v1/runs/${run.id}/events`);
    let end: Run | null = null;
    for await (const e of readEvents(events.body!)) if (e.event === "end") end = JSON.parse(e.data);
    assert.ok(end);
    return end;
  };
  try {
    const before = await scrape(get);
    const target = { source: "hf:acme/big", layout: "local-dir", dir: join(dir, "out") };
    assert.equal((await download(target)).status, "succeeded");
    const first = await scrape(get);
    assert.equal(
      first.value("nightpull_download_bytes_total") -
        before.value("nightpull_download_bytes_total"),
      size,
    );
    assert.equal(
      first.value("nightpull_files_downloaded_total") -
        before.value("nightpull_files_downloaded_total"),
      1,
    );
    assert.equal(first.value("nightpull_active_transfers"), 0);

    // the same pull again: the file is present and verified, nothing is transferred
    assert.equal((await download(target)).status, "succeeded");
    const second = await scrape(get);
    assert.equal(
      second.value("nightpull_download_bytes_total"),
      first.value("nightpull_download_bytes_total"),
    );
    assert.equal(
      second.value("nightpull_files_skipped_total") - first.value("nightpull_files_skipped_total"),
      1,
    );

    const bad = await download({
      source: `${hub.url}/acme/big/resolve/main/big.bin`,
      sha256: "f".repeat(64),
      dir: join(dir, "urls"),
      retry: { attempts: 1 },
    });
    assert.equal(bad.error?.code, "checksum_mismatch");
    const third = await scrape(get);
    assert.equal(
      third.value("nightpull_checksum_failures_total") -
        second.value("nightpull_checksum_failures_total"),
      1,
    );
    assert.equal(
      third.value("nightpull_runs_total", { status: "failed", reason: "none" }) -
        second.value("nightpull_runs_total", { status: "failed", reason: "none" }),
      1,
    );
    assert.equal(third.value("nightpull_active_transfers"), 0);
  } finally {
    await nightpull.close();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
