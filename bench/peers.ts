/**
 * Against the real peers on a realistic link, process to process (each CLI timed from spawn to
 * exit, as its user waits for it), interleaved, best of `BENCH_ROUNDS` (3):
 * - one big file (`BENCH_BIG`, default 512M; the case is 2G) from the fake hub whose
 *   CDN caps every connection at 25 MiB/s and whose every request pays a 20 ms round trip:
 *   `nightpull pull` (default connections) vs the Python `hf download` and `aria2c -x16 -s16`;
 * - the 20-file fixture repo (~34 MiB) with a 50 ms first byte on every file body, fresh and
 *   as a no-op re-pull: `nightpull pull` vs `hf download`.
 * The fake hub runs as its own process; the Python peer is ../shared/pyhf, copied into this
 * run's work dir with its bytecode cache kept (one warm-up run first).
 *
 * `deno run --allow-all bench/peers.ts` (or `deno task bench peers`).
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  benchRounds,
  checked,
  interleaved,
  outAndState,
  runsNote,
  seconds,
  type Side,
  warmUp,
} from "./_compare.ts";
import { settleDisk } from "./_disk.ts";
import { startHubProcess } from "./_hub_process.ts";
import { nightpull, type PythonHf, pythonHf } from "./_peer_clis.ts";
import { type ProcessRun, timeProcess, treeSize, which } from "./_process.ts";
import { type BenchRow, printTable, ratio, skipped } from "./table.ts";

const MIB = 1024 * 1024;
const RATE = "25M";
const RTT_MS = 20;
const FIRST_BYTE_MS = 50;
const REPO = "acme/twenty-files";

/** `512M`, `2G`: the big file's size in MiB from `BENCH_BIG` (default 512M). */
function bigFileMiB(): number {
  const text = Deno.env.get("BENCH_BIG") ?? "512M";
  const match = /^(\d+)\s*([MG])i?B?$/i.exec(text.trim());
  if (!match) throw new Error(`BENCH_BIG is a size like 512M or 2G, got "${text}"`);
  return Number(match[1]) * (match[2].toUpperCase() === "G" ? 1024 : 1);
}

/** Human size of `mib` MiB: "512 MiB", "2 GiB". */
function sizeLabel(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** The one file below `dir` (a cache's snapshot or a local dir), checked for size and hash. */
async function checkFile(dir: string, size: number, sha256?: string): Promise<void> {
  const found = await treeSize(dir);
  if (found.files !== 1 || found.bytes !== size) {
    throw new Error(`${dir}: expected one file of ${size} bytes, found ${JSON.stringify(found)}`);
  }
  if (!sha256) return;
  const path = await firstFile(dir);
  const hash = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  if (hash.digest("hex") !== sha256) throw new Error(`${path}: wrong bytes`);
}

async function firstFile(dir: string): Promise<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isFile || entry.isSymlink) return path;
    if (entry.isDirectory) return await firstFile(path);
  }
  throw new Error(`no file below ${dir}`);
}

/** The big-file rows: ours vs hf download vs aria2c through a capped CDN with a round trip. */
async function bigFileRows(work: string, hf: PythonHf | string): Promise<BenchRow[]> {
  const mib = bigFileMiB();
  const label = `${sizeLabel(mib)} file${mib === 2048 ? "" : " (BENCH_BIG; issue: 2 GiB)"}, ` +
    `CDN capped at ${RATE.replace("M", " MiB")}/s per connection, ${RTT_MS} ms RTT`;
  const flags = ["--big-file", String(mib), "--per-connection-rate", RATE, "--rtt", String(RTT_MS)];
  await using hub = await startHubProcess(flags, "acme/big:");
  const sha256 = /sha256 ([0-9a-f]{64})/.exec(hub.banner)![1];
  const size = mib * MIB;
  const sides: Record<string, Side> = {
    ours: (dir) => {
      const [out, state] = outAndState(dir);
      return nightpull(["pull", "hf:acme/big", "--cache-dir", out, "--quiet"], hub.url, state);
    },
  };
  if (typeof hf !== "string") {
    await warmUp(work, hf, hub.url);
    sides.hf = (dir) => {
      const [out, state] = outAndState(dir);
      return hf.download(["acme/big", "--cache-dir", out], hub.url, state);
    };
  }
  const aria2c = await which("aria2c");
  if (aria2c) {
    const args = ["-q", "-x16", "-s16", "--file-allocation=none", "--allow-overwrite=true"];
    const url = `${hub.url}/acme/big/resolve/main/big.bin`;
    sides.aria2c = (dir) =>
      timeProcess(aria2c, [...args, "-d", outAndState(dir)[0], "-o", "big.bin", url]);
  }
  const snapshot = (out: string) =>
    out.includes("/aria2c-") ? out : join(out, "models--acme--big", "snapshots");
  const times = await interleaved(
    benchRounds(),
    checked(
      work,
      sides,
      (out, round) => checkFile(snapshot(out), size, round ? undefined : sha256),
    ),
  );
  console.log(`big file: runs (s): ${runsNote(times)}`);
  if (aria2c) console.log(await hubCeiling(work, aria2c, Math.min(mib, 256)));
  const best = (name: string) => Math.min(...times[name]);
  const speed = (ms: number) => `${seconds(ms)} (${(size / MIB / (ms / 1000)).toFixed(0)} MiB/s)`;
  return [["hf", "hf download", "≥ 6×"], ["aria2c", "aria2c -x16 -s16", "≥ 1.0×"]].map(
    ([name, tool, goal]) =>
      times[name]
        ? {
          case: `${label} (vs ${tool})`,
          ours: speed(best("ours")),
          baseline: speed(best(name)),
          ratio: ratio(best("ours"), best(name)),
          goal,
        }
        : skipped(`${label} (vs ${tool})`, name === "hf" ? String(hf) : "aria2c missing"),
  );
}

/**
 * The fake hub's own ceiling on this machine now: one uncapped download of `mib` MiB by
 * aria2c on 16 connections. The capped rows mean something only while it is well above
 * 16 × 25 MiB/s (the hub is one Deno process generating the bytes as it sends them).
 */
async function hubCeiling(work: string, aria2c: string, mib: number): Promise<string> {
  await using hub = await startHubProcess(["--big-file", String(mib)], "acme/big:");
  const out = join(work, "ceiling");
  const url = `${hub.url}/acme/big/resolve/main/big.bin`;
  const args = ["-q", "-x16", "-s16", "-k1M", "--file-allocation=none", "-d", out, "-o", "b"];
  await settleDisk();
  const { ms } = await timeProcess(aria2c, [...args, url]);
  await Deno.remove(out, { recursive: true });
  const rate = (mib / (ms / 1000)).toFixed(0);
  return `fake hub ceiling, uncapped, aria2c -x16 on ${mib} MiB: ${rate} MiB/s ` +
    `(the capped link offers up to 16 × 25 = 400 MiB/s)`;
}

/** The 20-file repo rows: fresh and no-op, ours vs hf download, 50 ms first byte per body. */
async function repoRows(work: string, hf: PythonHf | string): Promise<BenchRow[]> {
  const label = `20-file repo (~34 MiB), ${FIRST_BYTE_MS} ms first byte`;
  if (typeof hf === "string") return [skipped(`${label}, fresh and no-op (vs hf download)`, hf)];
  await using hub = await startHubProcess(["--first-byte", String(FIRST_BYTE_MS)]);
  await warmUp(work, hf, hub.url);
  const noop: Record<string, number[]> = { ours: [], hf: [] };
  // Each side pulls fresh, then again into the same cache: the no-op re-pull.
  const twice =
    (name: string, pull: (out: string, state: string) => Promise<ProcessRun>): Side =>
    async (dir) => {
      const fresh = await pull(...outAndState(dir));
      noop[name].push((await pull(...outAndState(dir))).ms);
      return fresh;
    };
  const sides: Record<string, Side> = {
    ours: twice(
      "ours",
      (out, state) =>
        nightpull(["pull", `hf:${REPO}`, "--cache-dir", out, "--quiet"], hub.url, state),
    ),
    hf: twice("hf", (out, state) => hf.download([REPO, "--cache-dir", out], hub.url, state)),
  };
  const times = await interleaved(
    benchRounds(),
    checked(work, sides, async (out) => {
      const found = await treeSize(join(out, "models--acme--twenty-files", "snapshots"));
      if (found.files !== 20) throw new Error(`${out}: ${found.files} files, expected 20`);
    }),
  );
  console.log(`20-file repo: fresh runs (s): ${runsNote(times)}; no-op: ${runsNote(noop)}`);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const row = (what: string, t: Record<string, number[]>, goal: string): BenchRow => {
    const [ours, base] = [Math.min(...t.ours), Math.min(...t.hf)];
    return {
      case: `${label}, ${what} (vs hf download)`,
      ours: ms(ours),
      baseline: ms(base),
      ratio: ratio(ours, base),
      goal,
    };
  };
  return [row("fresh", times, "≥ 3×"), row("no-op re-pull", noop, "≥ 2× (≤ 0.5× its time)")];
}

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const work = await Deno.makeTempDir({ prefix: "np-bench-peers-" });
  try {
    const hf = await pythonHf(work);
    if (typeof hf === "string") console.log(`peers: hf download skipped: ${hf}`);
    else console.log(`peers: huggingface_hub ${hf.version} (../shared/pyhf), bytecode kept`);
    const rows = [...await bigFileRows(work, hf), ...await repoRows(work, hf)];
    console.log(`best of ${benchRounds()}, interleaved; every CLI timed from spawn to exit`);
    if (print) printTable(rows);
    return rows;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await main();
