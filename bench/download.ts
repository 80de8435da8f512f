/**
 * Download throughput and memory against the tools people use today, in one run:
 * nginx (Debian's /usr/sbin/nginx) serves 1 GiB and 4 GiB files on loopback, and
 * - `curl -s -o` vs our `fetchFile` on one connection with SHA-256 verification and the fsync
 *   before the rename; what the fsyncs cost shows apart in two more rows: ours with every fsync
 *   made a no-op (run under `eatmydata`, as curl -o does none) vs `curl -o`, and ours as it is
 *   vs `curl -o f && sync f` (curl and its `sync f` timed apart),
 * - `aria2c -x8 -s8 -k1M --file-allocation=none` vs our `connections: 8`,
 * - verified and durable, process to process: `nightpull pull URL --sha256 HEX` (default
 *   connections) vs `curl -o f && sha256sum f && sync f` (each part timed, so what the hash
 *   and the fsync cost shows apart),
 * - the peak RSS (VmHWM) of our process during a 4 GiB download, minus its idle RSS: taken
 *   after a 64 KiB warm-up download, which faults in the code pages of the download path but
 *   allocates almost no buffers (in parentheses: minus the RSS before any download at all),
 *   next to what Deno's fetch alone costs reading the same 4 GiB and dropping the bytes.
 * Every timed run starts with the previous output deleted and the disk idle. In the first two
 * rows our side runs as its own `deno run` process (bench/download_child.ts) and is timed
 * around the `fetchFile` call, which includes verification, fsync and the rename (Deno's
 * start-up is not); the baselines are timed from spawn to exit and neither hash nor fsync.
 * Best of 3 interleaved runs per side (`BENCH_ROUNDS` to change). The served files are made
 * once in `bench/.work/www/`; each run writes in its own temp dir. Prints one table.
 *
 * `deno run -A bench/download.ts` (or `deno task bench download`)
 * @module
 */
import { join } from "node:path";
import { settleDisk } from "./_disk.ts";
import { ensureServedFile, NGINX, type ServedFile, startNginx } from "./_nginx.ts";
import { nightpull } from "./_peer_clis.ts";
import { executable, timeProcess, which } from "./_process.ts";
import { HASH_THREAD_MIN_CORES } from "../src/download/transfer/stream_digest.ts";
import type { ChildJob, ChildReport } from "./download_child.ts";
import { type BenchRow, printTable, ratio, skipped } from "./table.ts";

const GIB = 1024 ** 3;
const ROUNDS = 3;

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  if (!(await executable(NGINX))) {
    console.log(`download: skipped — ${NGINX} is missing (apt-get install nginx-light)`);
    return [skipped("1 GiB / 4 GiB downloads", `${NGINX} missing`)];
  }
  const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? ROUNDS);
  const warm = await ensureServedFile("warm.bin", 64 * 1024);
  const small = await ensureServedFile("1g.bin", GIB);
  const big = await ensureServedFile("4g.bin", 4 * GIB);
  const run = await Deno.makeTempDir({ prefix: "np-bench-download-" });
  try {
    await using nginx = await startNginx(run);
    const out = join(run, "out");
    const url = (f: ServedFile) => `${nginx.url}/${f.name}`;
    const ours = (f: ServedFile, connections: number, discardOnly = false, noSync = false) =>
      runOurs(out, f, url(f), url(warm), connections, { discardOnly, noSync });
    const curl = await which("curl");
    const aria2c = await which("aria2c");
    const eatmydata = await which("eatmydata");
    const times: Record<string, number[]> = {
      curl: [],
      sync: [],
      single: [],
      singleNoSync: [],
      aria2c: [],
      multi: [],
      durable: [],
      curlDurable: [],
      sha256sum: [],
      syncFile: [],
    };
    // Each run starts with the previous output deleted and the disk idle again (its writeback
    // and the discards of the deleted file done), so no side pays for the one before it.
    const fresh = async () => {
      await Deno.remove(out, { recursive: true }).catch(() => {});
      await Deno.mkdir(out, { recursive: true });
      await settleDisk();
    };
    const tool = async (cmd: string, args: string[]) => (await timeProcess(cmd, args)).ms;
    for (let round = 0; round < rounds; round++) {
      if (curl) {
        await fresh();
        const file = join(out, "curl.bin");
        times.curl.push(await tool(curl, ["-s", "-o", file, url(small)]));
        times.sync.push(await tool("sync", [file]));
      }
      await fresh();
      times.single.push((await ours(small, 1)).ms);
      if (eatmydata) {
        await fresh();
        times.singleNoSync.push((await ours(small, 1, false, true)).ms);
      }
      if (aria2c) {
        await fresh();
        const args = ["-q", "-x8", "-s8", "-k1M", "--file-allocation=none"];
        times.aria2c.push(await tool(aria2c, [...args, "-d", out, "-o", "a.bin", url(small)]));
      }
      await fresh();
      times.multi.push((await ours(small, 8)).ms);
      if (curl) {
        await fresh();
        const file = join(out, "curl.bin");
        times.curlDurable.push(await tool(curl, ["-s", "-o", file, url(small)]));
        times.sha256sum.push(await tool("sha256sum", [file]));
        times.syncFile.push(await tool("sync", [file]));
      }
      await fresh();
      const args = ["pull", url(small), "--sha256", small.sha256, "--local-dir", out, "--quiet"];
      times.durable.push((await nightpull(args, "http://127.0.0.1:9", join(run, "state"))).ms);
      await checkSize(join(out, small.name), small.size);
    }
    await fresh();
    const memory8 = await ours(big, 8);
    await fresh();
    const memory1 = await ours(big, 1);
    await fresh();
    const floor8 = await ours(big, 8, true);
    const floor1 = await ours(big, 1, true);
    const rows = tableRows(times, { small, big, memory8, memory1, curl, aria2c, eatmydata });
    if (print) printTable(rows);
    printNotes(times, rounds, floor8, floor1);
    return rows;
  } finally {
    await Deno.remove(run, { recursive: true });
  }
}

/** What {@link tableRows} reports on besides the times. */
interface Measured {
  small: ServedFile;
  big: ServedFile;
  memory8: ChildReport;
  memory1: ChildReport;
  curl?: string;
  aria2c?: string;
  eatmydata?: string;
}

function tableRows(times: Record<string, number[]>, m: Measured): BenchRow[] {
  const rows: BenchRow[] = [];
  const speed = (ms: number, size: number) =>
    `${(ms / 1000).toFixed(2)} s (${(size / ms / 1e6).toFixed(2)} GB/s)`;
  const compare = (label: string, ours: number[], theirs: number[], goal: number) => {
    const o = Math.min(...ours);
    const t = Math.min(...theirs);
    rows.push({
      case: label,
      ours: speed(o, m.small.size),
      baseline: speed(t, m.small.size),
      ratio: ratio(o, t),
      goal: `≥ ${goal.toFixed(1)}×`,
    });
  };
  const sum = (...parts: number[][]) => parts[0].map((_, i) => parts.reduce((s, p) => s + p[i], 0));
  if (m.curl) {
    compare("1 GiB, 1 connection, SHA-256, fsync (vs curl -o)", times.single, times.curl, 0.9);
    if (m.eatmydata) {
      compare(
        "1 GiB, 1 connection, SHA-256, fsyncs made no-ops by eatmydata (vs curl -o)",
        times.singleNoSync,
        times.curl,
        0.9,
      );
    } else rows.push(skipped("1 GiB, 1 connection, no fsync (vs curl -o)", "eatmydata missing"));
    compare(
      "1 GiB, 1 connection, SHA-256, fsync (vs curl -o f && sync f)",
      times.single,
      sum(times.curl, times.sync),
      1.0,
    );
    compare(
      "1 GiB, verified and durable, nightpull pull process (vs curl -o f && sha256sum f && sync f)",
      times.durable,
      sum(times.curlDurable, times.sha256sum, times.syncFile),
      1.3,
    );
  } else rows.push(skipped("1 GiB, 1 connection and durable (vs curl -o)", "curl missing"));
  if (m.aria2c) {
    compare("1 GiB, 8 connections, SHA-256 (vs aria2c -x8 -s8)", times.multi, times.aria2c, 1.0);
  } else rows.push(skipped("1 GiB, 8 connections (vs aria2c)", "aria2c missing"));
  for (const [connections, report] of [[8, m.memory8], [1, m.memory1]] as const) {
    rows.push({
      case: `4 GiB, ${connections} connection${connections > 1 ? "s" : ""}: peak RSS − idle RSS`,
      ours: `${mib(report.peakKiB - report.idleKiB)} (${mib(report.peakKiB - report.coldKiB)})`,
      baseline: `idle ${(report.idleKiB / 1024).toFixed(1)} MiB, ${speed(report.ms, m.big.size)}`,
      ratio: "-",
      goal: "< 32 MiB",
    });
  }
  return rows;
}

function printNotes(
  times: Record<string, number[]>,
  rounds: number,
  floor8: ChildReport,
  floor1: ChildReport,
): void {
  const all = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(" ");
  const best = (xs: number[]) => `${(Math.min(...xs) / 1000).toFixed(2)} s`;
  console.log(
    `best of ${rounds}, interleaved; runs (s): curl ${all(times.curl)} + sync f ${
      all(times.sync)
    } | ours-1 ${all(times.single)} | ours-1 without fsync ${all(times.singleNoSync)} | aria2c ${
      all(times.aria2c)
    } | ours-8 ${all(times.multi)} | nightpull pull ${all(times.durable)} | curl ${
      all(times.curlDurable)
    } + sha256sum ${all(times.sha256sum)} + sync f ${all(times.syncFile)}`,
  );
  const floor = (r: ChildReport) => mib(r.peakKiB - r.coldKiB);
  console.log(
    `memory: (in parentheses) counts from before any download, code pages of the download ` +
      `path included; Deno's fetch alone reading the same 4 GiB and dropping it costs ` +
      `${floor(floor8)} on 8 connections, ${floor(floor1)} on 1; on 1 connection ours includes ` +
      `its hash thread where one runs (a Worker, ~15 MiB, for files from 64 MiB on ` +
      `${HASH_THREAD_MIN_CORES}+ cores; this machine has ${navigator.hardwareConcurrency})`,
  );
  if (times.curl.length) {
    const fsyncCost = times.singleNoSync.length
      ? `; what our fsyncs cost: best ${best(times.single)} with them, ${
        best(times.singleNoSync)
      } without (eatmydata)`
      : "";
    console.log(
      `ours includes verification, fsync and rename; the 1- and 8-connection baselines neither ` +
        `hash nor fsync${fsyncCost}; ` +
        `the durable baseline's parts, best: curl ${best(times.curlDurable)}, sha256sum ` +
        `${best(times.sha256sum)}, sync f ${best(times.syncFile)}`,
    );
  }
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

async function checkSize(path: string, size: number): Promise<void> {
  const found = (await Deno.stat(path)).size;
  if (found !== size) throw new Error(`${path}: ${found} bytes, expected ${size}`);
}

/** Runs our fetcher in its own process (writing below `out`) and checks what it reports. */
async function runOurs(
  out: string,
  file: ServedFile,
  url: string,
  warmUrl: string,
  connections: number,
  { discardOnly = false, noSync = false }: { discardOnly?: boolean; noSync?: boolean },
): Promise<ChildReport> {
  const job: ChildJob = {
    url,
    warmUrl,
    partPath: join(out, "ours", `${file.name}.part`),
    finalPath: join(out, "ours", file.name),
    connections,
    sha256: file.sha256,
    size: file.size,
    discardOnly,
  };
  const entry = new URL("./download_child.ts", import.meta.url).pathname;
  // eatmydata (LD_PRELOAD) turns fsync and fdatasync into no-ops: what the download costs
  // without durability, on the same footing as curl -o
  const command = [...noSync ? ["eatmydata"] : [], Deno.execPath()];
  const { code, stdout, stderr } = await new Deno.Command(command[0], {
    args: [...command.slice(1), "run", "-A", entry, JSON.stringify(job)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`our fetcher failed: ${new TextDecoder().decode(stderr)}`);
  const report = JSON.parse(new TextDecoder().decode(stdout).trim()) as ChildReport;
  if ((!discardOnly && report.sha256 !== file.sha256) || report.size !== file.size) {
    throw new Error(`our fetcher returned ${report.sha256}/${report.size} for ${file.name}`);
  }
  return report;
}

if (import.meta.main) await main();
