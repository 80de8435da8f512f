/**
 * Scale in file count, process to process: a generated repo of `BENCH_MANY` tiny files (default
 * 2,000; the issue's case is 100,000: `BENCH_MANY=100000`) served by the fake hub on bare
 * loopback, listed 1,000 entries a page as huggingface.co does.
 * - fresh pull: `nightpull pull` vs the Python `hf download`, `BENCH_MANY_ROUNDS` runs each
 *   (default 1: a fresh pull of many files takes long), interleaved;
 * - no-op re-pull of the same cache: time and peak RSS (VmHWM of the process, polled), ours vs
 *   `hf download`'s own no-op, best of `BENCH_ROUNDS` (3).
 *
 * `deno run --allow-all bench/many_files.ts` (or `deno task bench many_files`).
 * @module
 */
import { join } from "node:path";
import { benchRounds, interleaved, outAndState, runsNote, seconds, warmUp } from "./_compare.ts";
import { startHubProcess } from "./_hub_process.ts";
import { nightpull, type PythonHf, pythonHf } from "./_peer_clis.ts";
import { type ProcessRun, treeSize } from "./_process.ts";
import { type BenchRow, printTable, ratio, skipped } from "./table.ts";

const FILE_SIZE = 64;
const REPO = "acme/many-files";

/** A whole number from the environment, or its default. */
function envCount(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined) return fallback;
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1`);
  return n;
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MiB`;
}

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const files = envCount("BENCH_MANY", 2_000);
  const freshRounds = envCount("BENCH_MANY_ROUNDS", 1);
  const label = `${files.toLocaleString("en")}-file repo` +
    (files === 100_000 ? "" : " (BENCH_MANY; issue: 100,000)") + `, ${FILE_SIZE}-byte files`;
  const work = await Deno.makeTempDir({ prefix: "np-bench-many-" });
  try {
    const hf = await pythonHf(work);
    const flags = ["--many-files", String(files), "--many-file-size", String(FILE_SIZE)];
    await using hub = await startHubProcess(flags, "acme/many-files:");
    if (typeof hf !== "string") await warmUp(work, hf, hub.url);
    const pulls: Record<string, (dir: string) => Promise<ProcessRun>> = {
      ours: (dir) => {
        const [out, state] = outAndState(dir);
        return nightpull(["pull", `hf:${REPO}`, "--cache-dir", out, "--quiet"], hub.url, state);
      },
    };
    if (typeof hf !== "string") pulls.hf = (dir) => hfPull(hf, hub.url, dir);
    const fresh = await measure(work, pulls, freshRounds, true, files);
    const noop = await measure(work, pulls, benchRounds(), false, files);
    console.log(
      `${label}: fresh runs (s): ${runsNote(fresh.times)}; no-op: ${runsNote(noop.times)}`,
    );
    const best = (m: Measured, side: string) => Math.min(...m.times[side]);
    const peak = (m: Measured, side: string) => Math.max(...m.peaks[side]);
    const rows: BenchRow[] = [{
      case: `${label}: no-op re-pull, time${pulls.hf ? " (vs hf download no-op)" : ""}`,
      ours: seconds(best(noop, "ours")),
      baseline: pulls.hf ? seconds(best(noop, "hf")) : "-",
      ratio: pulls.hf ? ratio(best(noop, "ours"), best(noop, "hf")) : "-",
      goal: "< 3 s at 100k",
    }, {
      case: `${label}: no-op re-pull, peak RSS${pulls.hf ? " (vs hf download no-op)" : ""}`,
      ours: mib(peak(noop, "ours")),
      baseline: pulls.hf ? mib(peak(noop, "hf")) : "-",
      ratio: pulls.hf ? ratio(peak(noop, "ours"), peak(noop, "hf")) : "-",
      goal: "< 150 MB",
    }];
    const freshLabel = `${label}: fresh pull (vs hf download), best of ${freshRounds}`;
    if (typeof hf === "string") rows.push(skipped(freshLabel, hf));
    else {
      rows.push({
        case: freshLabel,
        ours: `${seconds(best(fresh, "ours"))}, peak ${mib(peak(fresh, "ours"))}`,
        baseline: `${seconds(best(fresh, "hf"))}, peak ${mib(peak(fresh, "hf"))}`,
        ratio: ratio(best(fresh, "ours"), best(fresh, "hf")),
        goal: "≥ 2×",
      });
    }
    console.log(`fresh best of ${freshRounds}, no-op best of ${benchRounds()}, interleaved`);
    if (print) printTable(rows);
    return rows;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Times and peak RSS per side. */
interface Measured {
  times: Record<string, number[]>;
  peaks: Record<string, number[]>;
}

/**
 * Runs every side `rounds` times, interleaved, into `<work>/<side>`: emptied first when
 * `fresh`, else pulled again as it is (the no-op re-pull). Checks the snapshot holds `files`.
 */
async function measure(
  work: string,
  pulls: Record<string, (dir: string) => Promise<ProcessRun>>,
  rounds: number,
  fresh: boolean,
  files: number,
): Promise<Measured> {
  const peaks: Record<string, number[]> = {};
  const sides = Object.fromEntries(
    Object.entries(pulls).map(([name, pull]) => {
      peaks[name] = [];
      return [name, async () => {
        const dir = join(work, name);
        if (fresh) await Deno.remove(dir, { recursive: true }).catch(() => {});
        const run = await pull(dir);
        peaks[name].push(run.peakKiB);
        const snapshots = join(outAndState(dir)[0], "models--acme--many-files", "snapshots");
        const found = await treeSize(snapshots);
        if (found.files !== files) {
          throw new Error(`${name}: ${found.files} files, expected ${files}`);
        }
        return run.ms;
      }];
    }),
  );
  return { times: await interleaved(rounds, sides), peaks };
}

function hfPull(hf: PythonHf, hubUrl: string, dir: string): Promise<ProcessRun> {
  const [out, state] = outAndState(dir);
  return hf.download([REPO, "--cache-dir", out], hubUrl, state);
}

if (import.meta.main) await main();
