/**
 * Download throughput and memory against the tools people use today, in one run:
 * nginx (Debian's /usr/sbin/nginx) serves 1 GiB and 4 GiB files from `bench/.work/` on
 * loopback, and
 * - `curl -s -o` vs our `fetchFile` on one connection with SHA-256 verification,
 * - `aria2c -x8 -s8 -k1M --file-allocation=none` vs our `connections: 8`,
 * - the peak RSS (VmHWM) of our process during a 4 GiB download, minus its idle RSS: taken
 *   after a 64 KiB warm-up download, which faults in the code pages of the download path but
 *   allocates almost no buffers (in parentheses: minus the RSS before any download at all),
 *   next to what Deno's fetch alone costs reading the same 4 GiB and dropping the bytes.
 * Every timed run starts with the previous output deleted and the disk idle. Our side runs as its own `deno run` process (bench/download_child.ts) and is timed around
 * the `fetchFile` call, which includes verification, fsync and the rename (Deno's start-up is
 * not); the baselines are timed from spawn to exit and neither hash nor fsync. Best of 3
 * interleaved runs per side (`BENCH_ROUNDS` to change). Prints one table.
 *
 * `deno run -A bench/download.ts` (or `deno task bench download`)
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { settleDisk } from "./_disk.ts";
import { executable, which } from "./_process.ts";
import type { ChildJob, ChildReport } from "./download_child.ts";
import { type BenchRow, printTable, skipped } from "./table.ts";

const WORK = new URL("./.work/download/", import.meta.url).pathname;
const GIB = 1024 ** 3;
const ROUNDS = 3;
const NGINX = "/usr/sbin/nginx";

/** A served test file and its SHA-256. */
interface ServedFile {
  name: string;
  size: number;
  sha256: string;
}

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  await Deno.mkdir(join(WORK, "www"), { recursive: true });
  if (!(await executable(NGINX))) {
    console.log(`download: skipped — ${NGINX} is missing (apt-get install nginx-light)`);
    return [skipped("1 GiB / 4 GiB downloads", `${NGINX} missing`)];
  }
  const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? ROUNDS);
  const warm = await ensureFile("warm.bin", 64 * 1024);
  const small = await ensureFile("1g.bin", GIB);
  const big = await ensureFile("4g.bin", 4 * GIB);
  const nginx = await startNginx();
  try {
    const url = (f: ServedFile) => `http://127.0.0.1:${nginx.port}/${f.name}`;
    const ours = (f: ServedFile, connections: number) => runOurs(f, url(f), url(warm), connections);
    const curl = await which("curl");
    const aria2c = await which("aria2c");
    const times: Record<string, number[]> = {
      curl: [],
      sync: [],
      single: [],
      aria2c: [],
      multi: [],
    };
    // Each run starts with the previous output deleted and the disk idle again (its writeback
    // and the discards of the deleted file done), so no side pays for the one before it.
    const fresh = async () => {
      await clean();
      await settleDisk();
    };
    for (let round = 0; round < rounds; round++) {
      if (curl) {
        await fresh();
        times.curl.push(await timeTool(curl, ["-s", "-o", out("curl.bin"), url(small)]));
        times.sync.push(await timeTool("sync", []));
      }
      await fresh();
      times.single.push((await ours(small, 1)).ms);
      if (aria2c) {
        await fresh();
        const args = [
          "-q",
          "-x8",
          "-s8",
          "-k1M",
          "--file-allocation=none",
          "--allow-overwrite=true",
        ];
        times.aria2c.push(
          await timeTool(aria2c, [...args, "-d", WORK, "-o", "aria2c.bin", url(small)]),
        );
      }
      await fresh();
      times.multi.push((await ours(small, 8)).ms);
    }
    await fresh();
    const memory8 = await ours(big, 8);
    await fresh();
    const memory1 = await ours(big, 1);
    await fresh();
    const floor8 = await runOurs(big, url(big), url(warm), 8, true);
    const floor1 = await runOurs(big, url(big), url(warm), 1, true);
    await clean();

    const rows: BenchRow[] = [];
    const speed = (ms: number, size: number) =>
      `${(ms / 1000).toFixed(2)} s (${(size / ms / 1e6).toFixed(2)} GB/s)`;
    const compare = (label: string, ours: number[], theirs: number[], goal: number) => {
      const o = Math.min(...ours);
      const t = Math.min(...theirs);
      rows.push({
        case: label,
        ours: speed(o, small.size),
        baseline: speed(t, small.size),
        ratio: `${(t / o).toFixed(2)}×`,
        goal: `≥ ${goal.toFixed(1)}×`,
      });
    };
    if (curl) compare("1 GiB, 1 connection, SHA-256 (vs curl -o)", times.single, times.curl, 0.9);
    else console.log("download: curl is missing — skipped the single-connection row");
    if (aria2c) {
      compare("1 GiB, 8 connections, SHA-256 (vs aria2c -x8 -s8)", times.multi, times.aria2c, 1.0);
    } else console.log("download: aria2c is missing — skipped the multi-connection row");
    for (const [connections, report] of [[8, memory8], [1, memory1]] as const) {
      rows.push({
        case: `4 GiB, ${connections} connection${connections > 1 ? "s" : ""}: peak RSS − idle RSS`,
        ours: `${mib(report.peakKiB - report.idleKiB)} (${mib(report.peakKiB - report.coldKiB)})`,
        baseline: `idle ${(report.idleKiB / 1024).toFixed(1)} MiB, ${speed(report.ms, big.size)}`,
        ratio: "-",
        goal: "< 32 MiB",
      });
    }
    if (!curl) rows.push(skipped("1 GiB, 1 connection (vs curl -o)", "curl missing"));
    if (!aria2c) rows.push(skipped("1 GiB, 8 connections (vs aria2c)", "aria2c missing"));
    if (print) printTable(rows);
    const all = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(" ");
    console.log(
      `best of ${rounds}, interleaved; runs (s): curl ${all(times.curl)} | ours-1 ${
        all(times.single)
      } | aria2c ${all(times.aria2c)} | ours-8 ${all(times.multi)}`,
    );
    const floor = (r: ChildReport) => mib(r.peakKiB - r.coldKiB);
    console.log(
      `memory: (in parentheses) counts from before any download, code pages of the download ` +
        `path included; Deno's fetch alone reading the same 4 GiB and dropping it costs ` +
        `${floor(floor8)} on 8 connections, ${floor(floor1)} on 1`,
    );
    if (curl) {
      const durable = Math.min(...times.curl.map((t, i) => t + times.sync[i]));
      console.log(
        `ours includes verification, fsync and rename; the baselines neither hash nor fsync ` +
          `(curl -o followed by sync: best ${(durable / 1000).toFixed(2)} s)`,
      );
    }
    return rows;
  } finally {
    await nginx.stop();
  }
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

function out(name: string): string {
  return join(WORK, name);
}

/** Removes downloaded outputs (outside any timing). */
async function clean(): Promise<void> {
  for (const entry of Deno.readDirSync(WORK)) {
    if (entry.isFile && /\.(bin|part|json|aria2|warm)$/.test(entry.name)) {
      await Deno.remove(join(WORK, entry.name));
    }
  }
  for (const dir of ["ours"]) {
    await Deno.remove(join(WORK, dir), { recursive: true }).catch(() => {});
  }
}

/**
 * Creates `www/<name>` of `size` bytes unless it is already there: 4 MiB blocks of seeded
 * noise, each block stamped with its index so no two blocks (and no sparse holes) repeat.
 * The SHA-256 is computed while writing and cached next to the file.
 */
async function ensureFile(name: string, size: number): Promise<ServedFile> {
  const path = join(WORK, "www", name);
  const hashPath = `${path}.sha256`;
  try {
    if ((await Deno.stat(path)).size === size) {
      return { name, size, sha256: (await Deno.readTextFile(hashPath)).trim() };
    }
  } catch {
    // not generated yet
  }
  const block = new Uint8Array(4 * 1024 * 1024);
  let x = 0x9e3779b9;
  const words = new Uint32Array(block.buffer);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  const hash = createHash("sha256");
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let index = 0; index * block.length < size; index++) {
    words[0] = index;
    words[words.length - 1] = Math.imul(index, 2654435761) >>> 0;
    const view = block.subarray(0, Math.min(block.length, size - index * block.length));
    hash.update(view);
    for (let at = 0; at < view.length;) at += await file.write(view.subarray(at));
  }
  const sha256 = hash.digest("hex");
  await Deno.writeTextFile(hashPath, sha256);
  return { name, size, sha256 };
}

/** nginx on a free loopback port, in the foreground, with everything inside bench/.work. */
async function startNginx(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = join(WORK, "nginx");
  await Deno.mkdir(join(dir, "tmp"), { recursive: true });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const conf = `daemon off;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${join(WORK, "www")};
  }
}
`;
  await Deno.writeTextFile(join(dir, "nginx.conf"), conf);
  const child = new Deno.Command(NGINX, {
    args: ["-c", join(dir, "nginx.conf"), "-p", dir],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        const { stderr } = await child.output();
        throw new Error(`nginx did not start: ${new TextDecoder().decode(stderr)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await child.output();
    },
  };
}

/** Wall time of one baseline tool run, spawn to exit. */
async function timeTool(tool: string, args: string[]): Promise<number> {
  const start = performance.now();
  const { code, stderr } = await new Deno.Command(tool, { args, stdout: "null", stderr: "piped" })
    .output();
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`${tool} failed: ${new TextDecoder().decode(stderr)}`);
  return ms;
}

/** Runs our fetcher in its own process and checks what it reports. */
async function runOurs(
  file: ServedFile,
  url: string,
  warmUrl: string,
  connections: number,
  discardOnly = false,
): Promise<ChildReport> {
  const job: ChildJob = {
    url,
    warmUrl,
    partPath: join(WORK, "ours", `${file.name}.part`),
    finalPath: join(WORK, "ours", file.name),
    connections,
    sha256: file.sha256,
    size: file.size,
    discardOnly,
  };
  const entry = new URL("./download_child.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry, JSON.stringify(job)],
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
