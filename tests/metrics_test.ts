import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Counter, Histogram, metrics, renderMetrics } from "../src/metrics.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}

Deno.test("renderMetrics parses as Prometheus text and reflects updates", () => {
  const before = metrics.runs.get({ status: "succeeded" });
  metrics.runs.inc({ status: "succeeded" });
  metrics.downloadBytes.inc(undefined, 1234);
  metrics.firingLag.observe(0.02);
  const families = parsePrometheusTextFormat(renderMetrics()) as Family[];
  const byName = new Map(families.map((f) => [f.name, f]));
  for (
    const name of [
      "nightpull_runs_total",
      "nightpull_download_bytes_total",
      "nightpull_active_transfers",
      "nightpull_retries_total",
      "nightpull_checksum_failures_total",
      "nightpull_firing_lag_seconds",
      "nightpull_window_skips_total",
      "nightpull_kv_commit_conflicts_total",
      "nightpull_kv_commit_retries_total",
      "nightpull_build_info",
    ]
  ) assert.ok(byName.has(name), `missing ${name}`);
  const runs = byName.get("nightpull_runs_total")!;
  assert.equal(runs.type, "COUNTER");
  const succeeded = runs.metrics.find((m) => m.labels?.status === "succeeded");
  assert.equal(Number(succeeded?.value), before + 1);
  const lag = byName.get("nightpull_firing_lag_seconds")!;
  assert.equal(lag.type, "HISTOGRAM");
  assert.ok(Number(lag.metrics[0].buckets?.["0.025"]) >= 1);
  assert.equal(byName.get("nightpull_build_info")!.metrics[0].labels?.version !== undefined, true);
});

Deno.test("label values are escaped and histograms are cumulative", () => {
  const c = new Counter("t_total", "help");
  c.inc({ path: 'a"b\\c\nd' });
  assert.match(c.render(), /t_total\{path="a\\"b\\\\c\\nd"\} 1/);
  const h = new Histogram("t_seconds", "help", [1, 2]);
  h.observe(0.5);
  h.observe(1.5);
  h.observe(9);
  const text = h.render();
  assert.match(text, /t_seconds_bucket\{le="1"\} 1/);
  assert.match(text, /t_seconds_bucket\{le="2"\} 2/);
  assert.match(text, /t_seconds_bucket\{le="\+Inf"\} 3/);
  assert.match(text, /t_seconds_sum 11/);
});
