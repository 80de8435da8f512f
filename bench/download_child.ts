/**
 * Our side of `bench/download.ts`, run as its own process so its memory can be read on its
 * own: fetches one URL with `fetchFile` and prints one JSON line with the time spent in the
 * call, the resident set size just before it (idle: after a warm-up download when asked) and
 * the peak (VmHWM) after it.
 *
 * `deno run -A bench/download_child.ts '{"url":…,"partPath":…,"finalPath":…,"connections":8,"sha256":…}'`
 * @module
 */
import { fetchFile } from "../src/download/fetcher.ts";

/** What the parent asks for. */
export interface ChildJob {
  url: string;
  /** Fetched first (memory runs), so idle RSS is taken from a process that has downloaded. */
  warmUrl?: string;
  partPath: string;
  finalPath: string;
  connections: number;
  sha256: string;
  size: number;
}

/** What the child reports. */
export interface ChildReport {
  ms: number;
  idleKiB: number;
  peakKiB: number;
  sha256: string;
  size: number;
}

/** A field of /proc/self/status in KiB. */
export function statusKiB(field: "VmRSS" | "VmHWM", text: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(text);
  if (!m) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]);
}

if (import.meta.main) {
  const job = JSON.parse(Deno.args[0]) as ChildJob;
  // Idle means a process that has downloaded before: a warm-up on one and on several
  // connections, long enough for periodic syncs and checkpoints, has loaded those code paths.
  for (const connections of job.warmUrl ? [1, 4] : []) {
    await fetchFile({
      url: job.warmUrl!,
      partPath: `${job.finalPath}.warm.part`,
      finalPath: `${job.finalPath}.warm`,
      connections,
      minSplitSize: 1024 * 1024,
    });
    await Deno.remove(`${job.finalPath}.warm`);
  }
  const idleKiB = statusKiB("VmRSS", await Deno.readTextFile("/proc/self/status"));
  const start = performance.now();
  const result = await fetchFile({
    url: job.url,
    partPath: job.partPath,
    finalPath: job.finalPath,
    connections: job.connections,
    expected: { size: job.size, sha256: job.sha256 },
  });
  const ms = performance.now() - start;
  const peakKiB = statusKiB("VmHWM", await Deno.readTextFile("/proc/self/status"));
  const report: ChildReport = { ms, idleKiB, peakKiB, sha256: result.sha256, size: result.size };
  console.log(JSON.stringify(report));
}
