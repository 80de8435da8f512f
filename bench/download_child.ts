/**
 * Our side of `bench/download.ts`, run as its own process so its memory can be read on its
 * own: fetches one URL with `fetchFile` and prints one JSON line with the time spent in the
 * call, the resident set size before it (cold: after one HEAD request; idle: after a 64 KiB
 * warm-up download) and the peak (VmHWM) after it.
 *
 * `deno run -A bench/download_child.ts '{"url":…,"partPath":…,"finalPath":…,"connections":8,"sha256":…}'`
 * @module
 */
import { fetchFile } from "../src/download/transfer/fetcher.ts";

/** What the parent asks for. */
export interface ChildJob {
  url: string;
  /** A 64 KiB file downloaded before the idle RSS is taken. */
  warmUrl: string;
  partPath: string;
  finalPath: string;
  connections: number;
  sha256: string;
  size: number;
  /**
   * Only read the body and drop it (no fetchFile, no file, no hash): what Deno's fetch itself
   * costs for the same download, in 64 MiB ranges over `connections` HTTP/1.1 connections.
   */
  discardOnly?: boolean;
}

/** What the child reports. */
export interface ChildReport {
  ms: number;
  /** VmRSS after one HEAD request, before anything was downloaded. */
  coldKiB: number;
  /** VmRSS after a 64 KiB warm-up download. */
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

/** Reads `size` bytes of `url` in 64 MiB ranges over `connections` connections, keeping none. */
async function readAndDiscard(url: string, size: number, connections: number) {
  const client = Deno.createHttpClient({ http2: false });
  const piece = 64 * 1024 * 1024;
  let next = 0;
  try {
    await Promise.all(Array.from({ length: connections }, async () => {
      let scratch = new ArrayBuffer(128 * 1024);
      for (let start = next; start < size; start = next) {
        next += piece;
        const range = `bytes=${start}-${Math.min(size, start + piece) - 1}`;
        const res = await fetch(url, { client, headers: { range } });
        const reader = res.body!.getReader({ mode: "byob" });
        for (;;) {
          const { value, done } = await reader.read(new Uint8Array(scratch));
          if (value) scratch = value.buffer as ArrayBuffer;
          if (done) break;
        }
      }
    }));
  } finally {
    client.close();
  }
  return { sha256: "", size };
}

if (import.meta.main) {
  const job = JSON.parse(Deno.args[0]) as ChildJob;
  // Cold: modules loaded and the HTTP client set up by one HEAD request.
  await (await fetch(job.url, { method: "HEAD" })).body?.cancel();
  const coldKiB = statusKiB("VmRSS", await Deno.readTextFile("/proc/self/status"));
  // Idle: also one 64 KiB download on one and on several connections, which faults in the
  // code pages of the download path; buffers are sized to the file, so it retains ~1 MiB.
  for (const connections of job.discardOnly ? [] : [1, 4]) {
    const finalPath = `${job.finalPath}.warm`;
    await fetchFile({
      url: job.warmUrl,
      partPath: `${finalPath}.part`,
      finalPath,
      connections,
      minSplitSize: 16 * 1024,
    });
    await Deno.remove(finalPath);
  }
  const idleKiB = statusKiB("VmRSS", await Deno.readTextFile("/proc/self/status"));
  const start = performance.now();
  const result = job.discardOnly
    ? await readAndDiscard(job.url, job.size, job.connections)
    : await fetchFile({
      url: job.url,
      partPath: job.partPath,
      finalPath: job.finalPath,
      connections: job.connections,
      expected: { size: job.size, sha256: job.sha256 },
    });
  const ms = performance.now() - start;
  const peakKiB = statusKiB("VmHWM", await Deno.readTextFile("/proc/self/status"));
  const report: ChildReport = {
    ms,
    coldKiB,
    idleKiB,
    peakKiB,
    sha256: result.sha256,
    size: result.size,
  };
  console.log(JSON.stringify(report));
}
