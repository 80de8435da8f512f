/**
 * API benchmarks over real servers: `nightpull serve` in a child process (SQLite KV file in a
 * temp dir), and a bare Hono hello-world served by Deno in another child as the baseline.
 * Rows: create p50 and list-of-100 p50 (sequential requests on a kept-alive connection), and
 * GET detail throughput under `wrk -t2 -c32 -d5s` (skipped with a note if wrk is missing).
 *
 * Run: `deno run --allow-all bench/api.ts`
 * @module
 */
import { Hono } from "hono";
import { join } from "node:path";
import { type BenchRow, printTable, ratio, skipped } from "./table.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CREATES = 600;
const LISTS = 300;
const WARMUP = 50;

/** A child process serving HTTP, its URL read from its output. */
export interface Child {
  url: string;
  stop(): Promise<void>;
}

/** Spawns `deno …args` in the repo root and resolves once its output matches `pattern`. */
export async function spawnServer(
  args: string[],
  pattern: RegExp,
  env: Record<string, string> = {},
): Promise<Child> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  const found = Promise.withResolvers<string>();
  const pump = (stream: ReadableStream<Uint8Array>) =>
    (async () => {
      for await (const chunk of stream) {
        text += decoder.decode(chunk, { stream: true });
        const url = pattern.exec(text)?.[1];
        if (url) found.resolve(url);
      }
    })();
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  child.status.then(() => found.reject(new Error(`server exited:\n${text}`)));
  const url = await found.promise;
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await pumps;
    },
  } satisfies Child;
}

/** The baseline child: a bare Hono app answering "hello" on every path. */
function serveHello(): void {
  const app = new Hono();
  app.get("*", (c) => c.text("hello"));
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`hello listening http://127.0.0.1:${port}`),
  }, app.fetch);
}

/** The median of `samples`. */
export function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(request: () => Promise<Response>, expect: number): Promise<number> {
  const t0 = performance.now();
  const res = await request();
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== expect) throw new Error(`expected ${expect}, got ${res.status}`);
  return ms;
}

async function latency(request: () => Promise<Response>, expect: number, n: number) {
  for (let i = 0; i < WARMUP; i++) await timed(request, expect);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timed(request, expect));
  return p50(samples);
}

async function hasWrk(): Promise<boolean> {
  try {
    const out = await new Deno.Command("wrk", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.code === 0 || out.code === 1;
  } catch {
    return false;
  }
}

async function wrk(url: string): Promise<number> {
  const out = await new Deno.Command("wrk", { args: ["-t2", "-c32", "-d5s", url] }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
  if (!rps) throw new Error(`wrk printed no rate:\n${text}`);
  if (errors) throw new Error(`wrk saw ${errors} error responses for ${url}`);
  return Number(rps);
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

/** Runs the API benchmarks; prints the table unless `print` is false; returns the rows. */
export async function main(print = true): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-bench-api-" });
  const ours = await spawnServer(
    ["run", "--allow-all", "main.ts", "serve", "--port", "0", "--data", dir, "--timezone", "UTC"],
    /serve\.listening url=(http:\/\/\S+)/,
    { HOME: dir, HF_HOME: join(dir, "hf"), NIGHTPULL_TOKEN: "", HF_ENDPOINT: "http://127.0.0.1:9" },
  );
  const hello = await spawnServer(
    ["run", "--allow-net", "bench/api.ts", "--hello"],
    /hello listening (http:\/\/\S+)/,
  );
  const rows: BenchRow[] = [];
  try {
    const base = `${ours.url}/api/v1/schedules`;
    let n = 0;
    const create = () =>
      fetch(base, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: `bench-${n}`,
          source: `hf:org/model-${n++}`,
          include: ["*.json", "*.safetensors"],
          trigger: { type: "cron", expression: `${n % 60} ${n % 24} * * *` },
        }),
      });
    const helloGet = () => fetch(`${hello.url}/`);
    const helloP50 = await latency(helloGet, 200, CREATES);
    const createP50 = await latency(create, 201, CREATES);
    rows.push({
      case: `create p50 (${CREATES} POST /schedules)`,
      ours: ms(createP50),
      baseline: `${ms(helloP50)} (hello)`,
      ratio: ratio(createP50, helloP50),
      goal: "< 2 ms",
    });
    const listP50 = await latency(() => fetch(`${base}?limit=100`), 200, LISTS);
    rows.push({
      case: `list of 100 p50 (${LISTS} GET /schedules?limit=100)`,
      ours: ms(listP50),
      baseline: `${ms(helloP50)} (hello)`,
      ratio: ratio(listP50, helloP50),
      goal: "< 5 ms",
    });
    const one = (await (await fetch(`${base}?limit=1`)).json()).items[0].id;
    const detailP50 = await latency(() => fetch(`${base}/${one}`), 200, LISTS);
    rows.push({
      case: `detail p50 (${LISTS} GET /schedules/{id})`,
      ours: ms(detailP50),
      baseline: `${ms(helloP50)} (hello)`,
      ratio: ratio(detailP50, helloP50),
      goal: "< 2 ms",
    });
    if (await hasWrk()) {
      const helloRps = await wrk(`${hello.url}/`);
      const detailRps = await wrk(`${base}/${one}`);
      rows.push({
        case: "GET /schedules/{id} req/s (wrk -t2 -c32 -d5s)",
        ours: detailRps.toFixed(0),
        baseline: `${helloRps.toFixed(0)} (hello)`,
        ratio: ratio(detailRps, helloRps, "rate"),
        goal: "≥ 0.5×",
      });
    } else {
      console.log("wrk not found: skipping the GET detail throughput row (apt-get install wrk)");
      rows.push(skipped("GET /schedules/{id} req/s (wrk)", "wrk missing"));
    }
  } finally {
    await ours.stop();
    await hello.stop();
    await Deno.remove(dir, { recursive: true });
  }
  if (print) printTable(rows);
  return rows;
}

if (import.meta.main) {
  if (Deno.args.includes("--hello")) serveHello();
  else await main();
}
