/**
 * Dashboard benchmarks over a real `nightpull serve` (SQLite KV file in a temp dir):
 * - overview render p50 with 1,000 schedules (`GET /`), against fetching the same schedules as
 *   JSON from the API (`GET /api/v1/schedules`, pages of 100), what a browser-rendered
 *   dashboard would have to load first;
 * - page weight: the overview's HTML plus every asset it links, uncompressed;
 * - time to the first progress event after a run starts: from the trigger request to the first
 *   `progress` on `/api/v1/runs/{id}/events` (a fake hub; the run's bandwidth is capped so it
 *   lasts), against the time to its `running` state event.
 *
 * Run: `deno run --allow-all bench/dashboard.ts`
 * @module
 */
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../fixtures/fake_hub.ts";
import { p50, spawnServer } from "./api.ts";
import { type BenchRow, printTable, ratio } from "./table.ts";

const SCHEDULES = 1000;
const RENDERS = 40;
const WARMUP = 5;
const RUNS = 5;

async function timeMs(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function samples(n: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timeMs(fn));
  return p50(out);
}

async function getOk(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

/** Milliseconds from sending the trigger to the first `state: running` and `progress` events. */
async function firstEvents(api: string, scheduleId: string): Promise<[number, number]> {
  const t0 = performance.now();
  const res = await fetch(`${api}/schedules/${scheduleId}/trigger`, { method: "POST" });
  const run = await res.json();
  if (res.status !== 202) throw new Error(`trigger: ${res.status} ${JSON.stringify(run)}`);
  const events = await fetch(`${api}/runs/${run.id}/events`);
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let running = NaN;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended before a progress event");
      text += value;
      if (Number.isNaN(running) && /"status":"running"/.test(text)) {
        running = performance.now() - t0;
      }
      if (/event: progress/.test(text)) return [running, performance.now() - t0];
    }
  } finally {
    await reader.cancel();
    await fetch(`${api}/runs/${run.id}`).then((r) => r.body?.cancel());
  }
}

async function untilIdle(api: string, scheduleId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const runs = await (await fetch(`${api}/schedules/${scheduleId}/runs?limit=1`)).json();
    if (!["pending", "running"].includes(runs.items[0]?.status)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("a benchmark run did not finish in 2 minutes");
}

/** Runs the dashboard benchmarks; prints the table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-bench-ui-" });
  const hub = await startFakeHub({ repos: standardRepos() });
  const server = await spawnServer(
    ["run", "--allow-all", "main.ts", "serve", "--port", "0", "--data", dir, "--timezone", "UTC"],
    /serve\.listening url=(http:\/\/\S+)/,
    { HOME: dir, HF_HOME: join(dir, "hf"), NIGHTPULL_TOKEN: "", HF_ENDPOINT: hub.url },
  );
  const api = `${server.url}/api/v1`;
  const rows: BenchRow[] = [];
  try {
    for (let n = 0; n < SCHEDULES; n++) {
      const res = await fetch(`${api}/schedules`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: `bench-${n}`,
          source: `hf:org/model-${n}`,
          labels: { team: `t${n % 7}` },
          trigger: { type: "cron", expression: `${n % 60} ${n % 24} * * *` },
          ...(n % 3 === 0 ? { timeWindow: { windows: [{ start: "22:00", end: "07:00" }] } } : {}),
        }),
      });
      await res.body?.cancel();
      if (res.status !== 201) throw new Error(`create ${n}: ${res.status}`);
    }
    const render = await samples(RENDERS, async () => void await getOk(`${server.url}/`));
    const json = await samples(RENDERS, async () => {
      let cursor = "";
      do {
        const page = JSON.parse(await getOk(`${api}/schedules?limit=100${cursor}`));
        cursor = page.nextCursor ? `&cursor=${encodeURIComponent(page.nextCursor)}` : "";
      } while (cursor);
    });
    rows.push({
      case: `overview render p50 (GET /, ${SCHEDULES} schedules)`,
      ours: `${render.toFixed(1)} ms`,
      baseline: `${json.toFixed(1)} ms (JSON list of all)`,
      ratio: ratio(render, json),
      goal: "< 100 ms",
    });

    const html = await getOk(`${server.url}/`);
    const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    let weight = new TextEncoder().encode(html).length;
    for (const a of new Set(assets)) {
      weight += (await (await fetch(`${server.url}${a}`)).arrayBuffer()).byteLength;
    }
    rows.push({
      case: `page weight (overview HTML + ${new Set(assets).size} assets, uncompressed)`,
      ours: `${(weight / 1024).toFixed(1)} KiB`,
      baseline: "-",
      ratio: "-",
      goal: "< 150 KB",
    });

    const slow = await (await fetch(`${api}/schedules`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "bench-progress",
        source: "hf:acme/tiny-model@main",
        layout: "local-dir",
        dir: join(dir, "out"),
        bandwidth: "1M",
        trigger: { type: "interval", every: "24h", startAt: "2030-01-01T00:00:00Z" },
      }),
    })).json();
    const running: number[] = [];
    const progress: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await Deno.remove(join(dir, "out"), { recursive: true }).catch(() => {});
      const [r, p] = await firstEvents(api, slow.id);
      running.push(r);
      progress.push(p);
      await untilIdle(api, slow.id);
    }
    rows.push({
      case: `first progress event after a run starts p50 (${RUNS} runs)`,
      ours: `${p50(progress).toFixed(0)} ms`,
      baseline: `${p50(running).toFixed(0)} ms (state: running)`,
      ratio: ratio(p50(progress), p50(running)),
      goal: "< 1 s",
    });
  } finally {
    await server.stop();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
  if (print) printTable(rows);
  return rows;
}

if (import.meta.main) await main();
