/**
 * `nightpull serve`: opens the KV, arms the scheduler (whose runs are pulls), and serves the
 * HTTP API until SIGINT/SIGTERM, then stops accepting, lets the engine stop its runs and
 * closes the KV. Refuses to listen beyond loopback without a token unless told to.
 *
 * @example
 * ```ts
 * Deno.exit(await serveCommand(["--port", "0", "--data", "/tmp/np"]));
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../api/app.ts";
import type { Config, ConfigFlags } from "../config.ts";
import type { ConfigFile } from "../config_file.ts";
import { EXIT, NightpullError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { pull } from "../download/pull/pull.ts";
import { runCacheTask } from "../cache/cache_task.ts";
import { refreshCacheGauges } from "../download/cache/cache_report.ts";
import { rateLimiterFor } from "../download/transfer/rate_limiter.ts";
import { applyDeclaredSchedules } from "../schedule/service/declared_schedules.ts";
import { Engine, type Executor } from "../schedule/engine/engine.ts";
import { RunEventHub } from "../api/events/run_event_hub.ts";
import { ScheduleService } from "../schedule/service/service.ts";
import { openKv } from "../store/open_kv.ts";
import type { Command } from "./command.ts";
import { serveConfig } from "./serve_config.ts";

/** Usage of `nightpull serve`. */
export const SERVE_USAGE = `Usage:
  nightpull serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--kv PATH|URL] [--timezone TZ]
                  [--token-file FILE] [--insecure-no-auth] [--history-days N]
                  [--max-downloads N] [--log-format text|json] [--log-level debug|info|warn|error]
                  [--hf-token-file FILE] [--cache-dir DIR] [--bwlimit RATE|TIMETABLE]
                  [--connections N] [--min-free SIZE] [--config FILE]
                  [--allow-origin ORIGIN]... [--allow-hosts HOST,*.DOMAIN,CIDR]...
The API token comes from NIGHTPULL_TOKEN or --token-file; without one the server only
listens on loopback addresses unless --insecure-no-auth is given, and answers only
same-origin requests to localhost/127.0.0.1/[::1] on its port (--allow-origin names a web
origin that may call it too). --allow-hosts limits where API-created URL sources and webhooks
may connect (link-local and metadata addresses are always refused). --config (or
NIGHTPULL_CONFIG) names a JSON file of settings and schedules; flags and the environment
win over it. --min-free (NIGHTPULL_MIN_FREE, default 1G) is the space a run leaves free:
a run that would not fit fails insufficient_space before transferring.`;

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

/** Throws `usage` when `config` would expose an unauthenticated API beyond this machine. */
export function checkExposure(config: Pick<Config, "host" | "apiToken" | "insecureNoAuth">): void {
  if (config.apiToken || config.insecureNoAuth || isLoopback(config.host)) return;
  throw new NightpullError(
    "usage",
    `refusing to listen on ${config.host} without a token: anyone who can reach it could ` +
      "manage downloads. Set NIGHTPULL_TOKEN or --token-file, listen on 127.0.0.1, or pass " +
      "--insecure-no-auth if the network is trusted",
  );
}

/** A running nightpull: the app and what it needs closed at the end. */
export interface Nightpull {
  app: OpenAPIHono;
  kv: Deno.Kv;
  engine: Engine;
  service: ScheduleService;
  /** Live run events (SSE); closing it ends every open event stream. */
  runEvents: RunEventHub;
  /** Stops the engine (runs end as interrupted, keeping partial files) and closes the KV. */
  close(): Promise<void>;
  /** Tells the same-origin check the port the server listens on (known once listening). */
  listening(port: number): void;
}

/**
 * Opens the KV, creates or updates the config file's declared schedules, starts the engine
 * with pulls as its runs, and builds the API app.
 */
export async function startNightpull(
  config: Config,
  logger: Logger,
  file: ConfigFile | null = null,
): Promise<Nightpull> {
  const kv = await openKv(config.kv);
  const env = Deno.env.toObject();
  // one limiter for the whole process: --bwlimit holds the sum of every transfer
  const global = rateLimiterFor(config.bwlimit, config.timezone);
  const limiters = global ? [global] : [];
  const execute: Executor = async ({ spec, signal, onEvent }) => {
    const ctx = { config, kv, env, signal, onEvent, logger, limiters };
    try {
      return spec.task ? await runCacheTask(spec.task, ctx) : await pull(spec, ctx);
    } finally {
      await refreshCacheGauges(config.hubCache, logger);
    }
  };
  const engine = new Engine({ kv, config, execute, logger, leaseMs: testLeaseMs(env) });
  const service = new ScheduleService({ kv, config, engine, logger });
  try {
    // declared schedules are in place before the scheduler arms
    if (file) {
      const outcomes = await applyDeclaredSchedules(
        { kv, service, config, logger },
        file.path,
        file.schedules,
      );
      logger.info("config.loaded", { file: file.path, schedules: outcomes.length });
    }
    await engine.start();
  } catch (err) {
    kv.close();
    throw err;
  }
  const runEvents = new RunEventHub({
    subscribe: (fn) => engine.subscribe(fn),
    loadRun: (id) => service.getRun(id),
  });
  // unknown until listening: `deno serve` and in-process callers pick the port themselves
  let port: number | undefined;
  const app = createApp({ service, kv, engine, config, logger, runEvents, port: () => port });
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      runEvents.close();
      try {
        await engine.stop();
      } finally {
        kv.close();
      }
    })();
  const listening = (bound: number) => {
    port = bound;
  };
  return { app, kv, engine, service, runEvents, close, listening };
}

/**
 * Hidden, for crash tests only: `NIGHTPULL_LEASE_MS` shortens run leases (default 15 s) so a
 * SIGKILLed process's runs are recovered sooner. Not a user setting; ignored unless a whole
 * number from 300 to 600000.
 */
function testLeaseMs(env: Record<string, string>): number | undefined {
  const raw = env.NIGHTPULL_LEASE_MS;
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const ms = Number(raw);
  return ms >= 300 && ms <= 600_000 ? ms : undefined;
}

/** `http://host:port` as a client would type it. */
export function listenUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** The default export's handler: `fetch` as `deno serve` calls it, `start` to start early. */
export interface ServeFetch {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  /** Opens the KV and arms the scheduler now rather than on the first request. */
  start(): Promise<void>;
  /** Stops the engine and closes the KV, if started. */
  close(): Promise<void>;
}

/**
 * The handler behind `deno serve main.ts`: configured from the environment, started by
 * `start()` or the first request (a failed start answers 503 and is retried by the next
 * request). `deno serve` chooses the address, so without a token `/api/v1` answers only
 * loopback clients.
 */
export function serveFetch(env: Record<string, string | undefined>): ServeFetch {
  let ready:
    | Promise<{ config: Config; fetch: OpenAPIHono["fetch"]; nightpull: Nightpull }>
    | undefined;
  const start = async () => {
    const { config, file } = await serveConfig({}, env);
    const logger = createLogger({ format: config.logFormat, level: config.logLevel });
    const nightpull = await startNightpull(config, logger, file);
    logger.info("serve.started", { mode: "deno serve", auth: config.apiToken ? "token" : "none" });
    return { config, fetch: nightpull.app.fetch, nightpull };
  };
  const fetch = async (req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
    let started;
    try {
      started = await (ready ??= start());
    } catch (err) {
      ready = undefined;
      const e = err instanceof NightpullError ? err : new NightpullError(
        "internal",
        `nightpull failed to start: ${(err as Error).message}`,
      );
      return Response.json(e.toJSON(), { status: 503 });
    }
    const config = started.config;
    const remote = info && "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "";
    if (
      !config.apiToken && !config.insecureNoAuth && !isLoopback(remote) &&
      new URL(req.url).pathname.startsWith("/api/")
    ) {
      const e = new NightpullError(
        "forbidden",
        "this server has no token, so it only answers this machine: set NIGHTPULL_TOKEN " +
          "(or NIGHTPULL_INSECURE_NO_AUTH=1 on a trusted network)",
      );
      return Response.json(e.toJSON(), { status: e.status });
    }
    return await started.fetch(req);
  };
  return {
    fetch,
    start: async () => {
      await (ready ??= start());
    },
    close: async () => {
      const started = await ready?.catch(() => undefined);
      await started?.nightpull.close();
    },
  };
}

function parseServeFlags(args: string[]): ConfigFlags & { help?: boolean; config?: string } {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        data: { type: "string" },
        kv: { type: "string" },
        timezone: { type: "string" },
        "token-file": { type: "string" },
        "insecure-no-auth": { type: "boolean" },
        "history-days": { type: "string" },
        "max-downloads": { type: "string" },
        "log-format": { type: "string" },
        "log-level": { type: "string" },
        "hf-token-file": { type: "string" },
        "cache-dir": { type: "string" },
        bwlimit: { type: "string" },
        "min-free": { type: "string" },
        connections: { type: "string" },
        "allow-origin": { type: "string", multiple: true },
        "allow-hosts": { type: "string", multiple: true },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    const { "allow-origin": origins, "allow-hosts": hosts, ...rest } = values;
    return {
      ...rest,
      "allow-origin": origins?.join(","),
      "allow-hosts": hosts?.join(","),
    };
  } catch (err) {
    throw new NightpullError("usage", `${(err as Error).message}\n${SERVE_USAGE}`);
  }
}

/** `nightpull serve …`: serves until SIGINT/SIGTERM, then returns 0. */
export const serveCommand: Command = async (args) => {
  const flags = parseServeFlags(args);
  if (flags.help) {
    console.log(SERVE_USAGE);
    return EXIT.ok;
  }
  const { help: _help, ...settings } = flags;
  const { config, file } = await serveConfig(settings, Deno.env.toObject());
  checkExposure(config);
  const logger = createLogger({ format: config.logFormat, level: config.logLevel });
  const nightpull = await startNightpull(config, logger, file);
  const stopping = Promise.withResolvers<string>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  const onSignal = (name: string) => () => stopping.resolve(name);
  const listeners = signals.map((s) => [s, onSignal(s)] as const);
  for (const [s, fn] of listeners) Deno.addSignalListener(s, fn);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: ({ hostname, port }) => {
        nightpull.listening(port);
        logger.info("serve.listening", {
          url: listenUrl(hostname, port),
          kv: /^https?:/i.test(config.kv) ? "kv-connect" : config.kv,
          auth: config.apiToken ? "token" : "none",
        });
      },
      // Whatever escapes the app: one log line (the stack only at debug), never the runtime's trace.
      onError: (err) => {
        logger.error("serve.error", { error: err instanceof Error ? err.message : String(err) });
        logger.debug("serve.error.stack", { stack: err instanceof Error ? err.stack : undefined });
        const body = new NightpullError(
          "internal",
          "internal error: the server log has the details",
        );
        return Response.json(body.toJSON(), { status: 500 });
      },
    }, nightpull.app.fetch);
  } catch (err) {
    for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
    await nightpull.close();
    if (err instanceof Deno.errors.AddrInUse) {
      throw new NightpullError(
        "usage",
        `cannot listen on ${listenUrl(config.host, config.port)}: the address is in use; ` +
          "pick another --port",
      );
    }
    throw err;
  }
  const signal = await stopping.promise;
  logger.info("serve.stopping", { signal });
  for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
  // end the event streams (they would hold the shutdown open), stop accepting and finish
  // in-flight requests before the engine and the KV go away
  nightpull.runEvents.close();
  await server.shutdown();
  await nightpull.close();
  logger.info("serve.stopped", {});
  return EXIT.ok;
};
