/**
 * Scheduler benchmarks: start-up load-and-arm time and memory per schedule with 10,000 active
 * schedules, and the firing lag of 1,000 schedules due in the same second (real clock, no-op
 * executor). Prints one table (bench/table.ts); the start-up baseline is the naive way: list
 * every schedule and parse its cron with croner.
 *
 * Run: `deno run --allow-all bench/scheduler.ts`
 * @module
 */
import { join } from "node:path";
import { Cron } from "croner";
import { resolveConfig } from "../src/config.ts";
import { Engine, type Executor } from "../src/schedule/engine/engine.ts";
import type { Schedule } from "../src/store/records.ts";
import { ScheduleService } from "../src/schedule/service/service.ts";
import { composeServer } from "../src/server.ts";
import { type BenchRow, printTable, ratio } from "./table.ts";

const SCHEDULES = 10_000;
const SAME_SECOND = 1_000;

const noop: Executor = () =>
  Promise.resolve({ commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 });

function config(dir: string, maxDownloads = 4) {
  return { ...resolveConfig({ data: dir, timezone: "UTC" }, {}), maxDownloads };
}

/** Fills a KV with `n` daily schedules (varied minutes, so next times differ). */
async function seed(path: string, n: number): Promise<void> {
  const kv = await Deno.openKv(path);
  const service = new ScheduleService({ kv, config: config(path) });
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        service.create({
          source: `hf:org/model-${i + j}`,
          trigger: { type: "cron", expression: `${(i + j) % 60} ${(i + j) % 24} * * *` },
        })),
    );
  }
  kv.close();
}

/** Child process: RSS before and after loading and arming the schedules in `path`. */
async function rssChild(path: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const kv = await Deno.openKv(path);
  const engine = new Engine({ kv, config: config(path), execute: noop });
  gc?.();
  const before = Deno.memoryUsage().rss;
  await engine.start();
  gc?.();
  const after = Deno.memoryUsage().rss;
  console.log(JSON.stringify({ before, after }));
  await engine.stop();
  kv.close();
}

async function measureStart(path: string): Promise<number> {
  const kv = await Deno.openKv(path);
  const engine = new Engine({ kv, config: config(path), execute: noop });
  const t0 = performance.now();
  await engine.start();
  const ms = performance.now() - t0;
  if (!engine.isArmed()) throw new Error("engine did not arm");
  await engine.stop();
  kv.close();
  return ms;
}

/** The naive start-up: read every schedule and compute its next run with croner. */
async function measureNaiveStart(path: string): Promise<number> {
  const kv = await Deno.openKv(path);
  const t0 = performance.now();
  let armed = 0;
  for await (const { value } of kv.list<Schedule>({ prefix: ["np", "schedules"] })) {
    const trigger = value.trigger as { expression: string; timezone: string };
    const cron = new Cron(trigger.expression, { timezone: trigger.timezone, paused: true });
    if (cron.nextRun()) armed++;
  }
  const elapsed = performance.now() - t0;
  kv.close();
  if (armed !== SCHEDULES) throw new Error(`naive start armed ${armed}`);
  return elapsed;
}

async function measureRss(path: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--expose-gc",
      import.meta.filename!,
      "--rss-child",
      path,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const { before, after } = JSON.parse(
    new TextDecoder().decode(out.stdout).trim().split("\n").pop()!,
  );
  return (after - before) / SCHEDULES;
}

async function measureLag(dir: string): Promise<{ p50: number; p99: number; ran: number }> {
  const path = join(dir, "lag.kv");
  const kv = await Deno.openKv(path);
  const lags: number[] = [];
  const cfg = config(dir, SAME_SECOND);
  // the production wiring: the same composition root as `nightpull serve`
  const { engine, service } = composeServer({
    kv,
    config: cfg,
    execute: ({ run }) => {
      lags.push(Date.now() - Date.parse(run.plannedAt));
      return noop({} as Parameters<Executor>[0]);
    },
  });
  // a daily 6-field cron for one second a few seconds ahead: "everything at 02:00:00"
  const due = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000);
  const expression = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
  for (let i = 0; i < SAME_SECOND; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        service.create({
          source: `hf:org/lag-${i + j}`,
          trigger: { type: "cron", expression, timezone: "UTC" },
        })),
    );
  }
  await engine.start();
  const deadline = due.getTime() + 30_000;
  while (lags.length < SAME_SECOND && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await engine.stop();
  kv.close();
  lags.sort((a, b) => a - b);
  const pick = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))];
  return { p50: pick(0.5), p99: pick(0.99), ran: lags.length };
}

/** Runs the scheduler benchmarks; prints the table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-bench-" });
  try {
    const path = join(dir, "schedules.kv");
    const seedStart = performance.now();
    await seed(path, SCHEDULES);
    const seedMs = performance.now() - seedStart;
    const startMs = await measureStart(path);
    const rss = await measureRss(path);
    const lag = await measureLag(dir);
    const naiveMs = await measureNaiveStart(path);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const rows: BenchRow[] = [
      {
        case: `create ${SCHEDULES} schedules via the service (setup)`,
        ours: `${(seedMs / 1000).toFixed(1)} s`,
        baseline: "-",
        ratio: "-",
        goal: "-",
      },
      {
        case:
          `load and arm ${SCHEDULES} schedules at start-up (baseline: list + croner parse/next each)`,
        ours: ms(startMs),
        baseline: ms(naiveMs),
        ratio: ratio(startMs, naiveMs),
        goal: "< 1000 ms",
      },
      {
        case: "RSS per armed schedule",
        ours: `${(rss / 1024).toFixed(2)} KB`,
        baseline: "-",
        ratio: "-",
        goal: "< 4 KB",
      },
      {
        case: `firing lag p50 / p99, ${SAME_SECOND} schedules due in one second (${lag.ran} ran)`,
        ours: `${lag.p50} / ${lag.p99} ms`,
        baseline: "-",
        ratio: "-",
        goal: "p99 < 250 ms",
      },
    ];
    if (print) printTable(rows);
    return rows;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--rss-child");
  if (i >= 0) await rssChild(Deno.args[i + 1]);
  else await main();
}
