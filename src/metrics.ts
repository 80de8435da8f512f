/**
 * Process-wide metrics in the Prometheus text exposition format (version 0.0.4). Names and
 * units follow Prometheus conventions: `_total` counters, `_seconds` and `_bytes` units.
 * Updating a metric is a map lookup and an add; rendering happens only on `GET /metrics`.
 *
 * @example
 * ```ts
 * metrics.runs.inc({ status: "succeeded" });
 * const text = renderMetrics();
 * ```
 * @module
 */
import { VERSION } from "./version.ts";

type Labels = Record<string, string>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isInteger(v) ? String(v) : v.toPrecision(12).replace(/\.?0+$/, "");
}

interface Metric {
  readonly name: string;
  readonly help: string;
  render(): string;
}

/** Labelled series of one metric; `collect` reads an unlabelled value at render time. */
abstract class Series implements Metric {
  protected readonly values = new Map<string, number>();
  abstract readonly type: "counter" | "gauge";
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: () => number,
  ) {}

  /** Current value of one series (0 when never set). */
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  protected add(labels: Labels | undefined, by: number): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string {
    if (this.collect) this.values.set("", this.collect());
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, v] of this.values) {
      lines.push(`${this.name}${key ? `{${key}}` : ""} ${formatValue(v)}`);
    }
    return lines.join("\n");
  }
}

/** A monotonically increasing count. */
export class Counter extends Series {
  readonly type = "counter";

  /** Adds `by` (default 1) to the series with `labels`. */
  inc(labels?: Labels, by = 1): void {
    this.add(labels, by);
  }
}

/** A value that goes up and down. */
class Gauge extends Series {
  readonly type = "gauge";

  /** Sets the series with `labels` to `value`. */
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }

  /** Adds `by` (may be negative). */
  inc(by = 1, labels?: Labels): void {
    this.add(labels, by);
  }
}

/** Observations counted into cumulative buckets (seconds, bytes…). */
export class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {
    this.#counts = buckets.map(() => 0);
  }

  /** Records one observation. */
  observe(value: number): void {
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.#counts[i]++;
    this.#sum += value;
    this.#count++;
  }

  /** Number of observations so far. */
  get count(): number {
    return this.#count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => {
      lines.push(`${this.name}_bucket{le="${formatValue(b)}"} ${this.#counts[i]}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.name}_sum ${formatValue(this.#sum)}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines.join("\n");
  }
}

/** Version reported by `nightpull_build_info`. */
export { VERSION };

/** Every metric nightpull exports. */
export const metrics = {
  runs: new Counter(
    "nightpull_runs_total",
    "Runs that reached a final state, by status and reason.",
  ),
  downloadBytes: new Counter(
    "nightpull_download_bytes_total",
    "File body bytes received from upstream.",
  ),
  filesDownloaded: new Counter(
    "nightpull_files_downloaded_total",
    "Files downloaded and verified.",
  ),
  filesSkipped: new Counter(
    "nightpull_files_skipped_total",
    "Files already present and verified, not transferred.",
  ),
  filesRepaired: new Counter(
    "nightpull_files_repaired_total",
    "Present files whose bytes had changed on disk, downloaded again.",
  ),
  activeTransfers: new Gauge("nightpull_active_transfers", "File transfers in progress."),
  retries: new Counter("nightpull_retries_total", "Retries, by kind (run, request)."),
  rateLimitWaits: new Counter(
    "nightpull_rate_limit_waits_total",
    "Waits on a 429 (rate limited) answer, by host.",
  ),
  rateLimitWaitSeconds: new Counter(
    "nightpull_rate_limit_wait_seconds_total",
    "Wall time spent waiting on rate limits, by host.",
  ),
  checksumFailures: new Counter(
    "nightpull_checksum_failures_total",
    "Downloads refused because a hash did not match.",
  ),
  firingLag: new Histogram(
    "nightpull_firing_lag_seconds",
    "Delay between an occurrence's planned time and its start.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
  ),
  windowSkips: new Counter(
    "nightpull_window_skips_total",
    "Occurrences skipped because their time window was closed.",
  ),
  webhookDeliveries: new Counter(
    "nightpull_webhook_deliveries_total",
    "Webhook deliveries, by outcome.",
  ),
  kvCommitConflicts: new Counter(
    "nightpull_kv_commit_conflicts_total",
    "Atomic KV commits whose checks failed (a concurrent writer won).",
  ),
  kvCommitRetries: new Counter(
    "nightpull_kv_commit_retries_total",
    "KV commits retried because the database was locked.",
  ),
  cacheBytes: new Gauge(
    "nightpull_cache_bytes",
    "Bytes of the blobs in the hub cache, as last read (cache ls, prune, a run's retention).",
  ),
  diskFree: new Gauge(
    "nightpull_disk_free_bytes",
    "Free bytes on the hub cache's filesystem, as last read.",
  ),
  cachePrunedBytes: new Counter(
    "nightpull_cache_pruned_bytes_total",
    "Bytes of blobs removed from the cache by retention, prune and rm.",
  ),
  buildInfo: new Gauge("nightpull_build_info", "Build information; the value is always 1."),
};
metrics.buildInfo.set(1, { version: VERSION, deno: Deno.version.deno });

/** The Prometheus text of every metric. */
export function renderMetrics(): string {
  return Object.values(metrics).map((m) => m.render()).join("\n") + "\n";
}
