/**
 * The API under test, in process: a `:memory:` KV, the real ScheduleService and Engine on a
 * manual clock (nothing fires unless a test moves time), and an executor the test controls.
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { composeServer } from "../../src/server.ts";
import { type Config, resolveConfig } from "../../src/config.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import type { Engine, Executor } from "../../src/schedule/engine/engine.ts";
import { ManualClock } from "../../src/time/manual_clock.ts";
import type { ScheduleService } from "../../src/schedule/service/service.ts";

/** The manual clock's start: a fixed instant, so `once` in the past/future is deterministic. */
export const NOW = Date.parse("2026-11-22T12:00:00.000Z");

/** A response, its body as text and parsed JSON (tests read fields freely). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

/** What a test gets. */
export interface TestApi {
  app: OpenAPIHono;
  kv: Deno.Kv;
  clock: ManualClock;
  engine: Engine;
  service: ScheduleService;
  config: Config;
  /** Every log line written. */
  logs: string[];
  /** A JSON request; `body` is sent as JSON unless it is a string. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** A finished-at-once executor reporting one file. */
export const quickExecutor: Executor = () =>
  Promise.resolve({ commit: "c0ffee", files: { total: 1, done: 1, skipped: 0 }, bytes: 42 });

/** Builds the API; `token` turns auth on, `env` adds environment (e.g. HF_TOKEN). */
export async function startApi(
  options: { token?: string; env?: Record<string, string>; execute?: Executor } = {},
): Promise<TestApi> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-api-" });
  const config = resolveConfig({ data: dir, timezone: "UTC", kv: ":memory:" }, {
    HOME: dir,
    ...(options.token ? { NIGHTPULL_TOKEN: options.token } : {}),
    ...options.env,
  });
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(NOW);
  const logs: string[] = [];
  const logger: Logger = createLogger({
    format: "json",
    level: "debug",
    write: (l) => logs.push(l),
  });
  const { app, engine, service } = composeServer({
    kv,
    config,
    execute: options.execute ?? quickExecutor,
    clock,
    logger,
    // a failed delivery is not retried: tests never wait seconds for a webhook
    engine: { webhookDelaysMs: [] },
  });
  await engine.start();
  const call: TestApi["call"] = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the test looks at text
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    app,
    kv,
    clock,
    engine,
    service,
    config,
    logs,
    call,
    close: async () => {
      await engine.stop();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A valid schedule body. */
export const cronBody = (extra: Record<string, unknown> = {}) => ({
  name: "tiny-nightly",
  source: "hf:acme/tiny-model@main",
  trigger: { type: "cron", expression: "0 2 * * *" },
  ...extra,
});

/** A loopback webhook receiver recording each delivery's body. */
export function startHookReceiver(): { url: string; bodies: string[]; close(): Promise<void> } {
  const bodies: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push(await req.text());
    return new Response(null, { status: 204 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    bodies,
    close: () => server.shutdown(),
  };
}

export { dumpKv } from "../_support/kv.ts";
