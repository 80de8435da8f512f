/**
 * Whole-repo download: the 20-file fixture repo (`acme/twenty-files`, ~34 MiB, 16 LFS files)
 * pulled by our `pull` vs `@huggingface/hub`'s `snapshotDownload`, each into a fresh cache dir,
 * interleaved, best of 3; plus the no-op re-pull of an unchanged repo. The fake hub runs as
 * its own process so neither side shares an event loop with the server. Two networks: bare
 * loopback (the fake hub's byte generation is then the bottleneck for both), and loopback with
 * a 50 ms first-byte delay on every file body, a stand-in for a CDN's time to first byte.
 *
 * `deno run --allow-all bench/repo.ts` (or `deno task bench repo`).
 * @module
 */
import { join } from "node:path";
import { snapshotDownload } from "@huggingface/hub";
import { resolveConfig } from "../src/config.ts";
import { pull } from "../src/download/pull/pull.ts";
import { startHubProcess } from "./_hub_process.ts";
import { type BenchRow, printTable, ratio } from "./table.ts";

const REPO = "acme/twenty-files";
const ROUNDS = 3;
const LATENCY_MS = 50;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    n += e.isDirectory ? await countFiles(join(dir, e.name)) : 1;
  }
  return n;
}

interface Figures {
  ours: number;
  base: number;
  oursNoop: number;
  baseNoop: number;
  oursNoopBytes: number;
}

/** Best-of-3 interleaved figures against a hub with `latencyMs` first-byte delay. */
async function measure(latencyMs: number): Promise<Figures> {
  const hub = await startHubProcess(["--first-byte", String(latencyMs)]);
  const work = await Deno.makeTempDir({ prefix: "np-bench-repo-" });
  const kv = await Deno.openKv(":memory:");
  const best = { ours: Infinity, base: Infinity, oursNoop: Infinity, baseNoop: Infinity };
  let oursNoopBytes = -1;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const oursCache = join(work, `ours-${round}`);
      const baseCache = join(work, `base-${round}`);
      const config = resolveConfig({ data: join(work, "data"), "cache-dir": oursCache }, {
        HOME: work,
        HF_ENDPOINT: hub.url,
      });
      const ctx = { config, kv, env: {} };
      const runOurs = async () => {
        best.ours = Math.min(best.ours, await timed(() => pull({ source: `hf:${REPO}` }, ctx)));
        let bytes = 0;
        const noop = await timed(async () => {
          bytes = (await pull({ source: `hf:${REPO}` }, ctx)).bytes;
        });
        best.oursNoop = Math.min(best.oursNoop, noop);
        oursNoopBytes = Math.max(oursNoopBytes, bytes);
      };
      const runBase = async () => {
        const args = { repo: REPO, cacheDir: baseCache, hubUrl: hub.url };
        best.base = Math.min(best.base, await timed(() => snapshotDownload(args)));
        best.baseNoop = Math.min(best.baseNoop, await timed(() => snapshotDownload(args)));
      };
      // Alternate who goes first so warm-up and page-cache effects favour neither side.
      if (round % 2 === 0) {
        await runOurs();
        await runBase();
      } else {
        await runBase();
        await runOurs();
      }
      const snapshots = (cache: string) =>
        countFiles(join(cache, "models--acme--twenty-files", "snapshots"));
      const [oursFiles, baseFiles] = [await snapshots(oursCache), await snapshots(baseCache)];
      if (oursFiles !== 20 || baseFiles !== 20) {
        throw new Error(`expected 20 files each, got ours ${oursFiles}, baseline ${baseFiles}`);
      }
      await Deno.remove(oursCache, { recursive: true });
      await Deno.remove(baseCache, { recursive: true });
    }
  } finally {
    kv.close();
    await hub.stop();
    await Deno.remove(work, { recursive: true });
  }
  return { ...best, oursNoopBytes };
}

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const bare = await measure(0);
  const slow = await measure(LATENCY_MS);
  const ms = (v: number) => `${v.toFixed(v < 20 ? 1 : 0)} ms`;
  const table = [
    [
      `in-process, fresh, ${LATENCY_MS} ms first-byte latency (~34 MiB, 20 files)`,
      ms(slow.ours),
      ms(slow.base),
      ratio(slow.ours, slow.base),
      "≥ 3× vs snapshotDownload",
    ],
    [
      "in-process, fresh, bare loopback (fake hub bound)",
      ms(bare.ours),
      ms(bare.base),
      ratio(bare.ours, bare.base),
      "reference",
    ],
    [
      `in-process, no-op re-pull (ours moved ${bare.oursNoopBytes} body bytes)`,
      ms(bare.oursNoop),
      ms(bare.baseNoop),
      ratio(bare.oursNoop, bare.baseNoop),
      "0 body bytes",
    ],
  ];
  const rows = table.map(([label, ours, baseline, r, goal]) => ({
    case: label,
    ours,
    baseline,
    ratio: r,
    goal,
  }));
  console.log(`best of ${ROUNDS}, interleaved; fake hub on loopback in its own process`);
  if (print) printTable(rows);
  return rows;
}

if (import.meta.main) await main();
