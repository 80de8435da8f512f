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
import type { Config } from "../config.ts";
import type { ConfigFile } from "../config_file.ts";
import { EXIT, NightpullError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { pull } from "../download/pull/pull.ts";
import { runCacheTask } from "../cache/cache_task.ts";
import { refreshCacheGauges } from "../download/cache/cache_report.ts";
import { rateLimiterFor } from "../download/transfer/rate_limiter.ts";
import type { Executor } from "../schedule/engine/engine.ts";
import { composeServer, type Server } from "../server.ts";
import { openKv } from "../store/open_kv.ts";
import type { Command } from "./command.ts";
import { serveConfig } from "./serve_config.ts";
import { parseServeFlags, SERVE_USAGE } from "./serve_flags.ts";

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
export interface Nightpull extends Server {
  /** Stops the engine (runs end as interrupted, keeping partial files) and closes the KV. */
  close(): Promise<void>;
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
  const server = composeServer({
    config,
    kv,
    execute,
    logger,
    file,
    engine: { leaseMs: testLeaseMs(env) },
  });
  try {
    await server.start();
  } catch (err) {
    kv.close();
    throw err;
  }
  const close = async () => {
    try {
      await server.close();
    } finally {
      kv.close();
    }
  };
  return { ...server, close };
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

/** `nightpull serve …`: serves until SIGINT/SIGTERM, then returns 0. */
export const serveCommand: Command = async (args) => {
  const { help, ...settings } = parseServeFlags(args);
  if (help) {
    console.log(SERVE_USAGE);
    return EXIT.ok;
  }
  const { config, file } = await serveConfig(settings, Deno.env.toObject());
  checkExposure(config);
  const logger = createLogger({ format: config.logFormat, level: config.logLevel });
  const nightpull = await startNightpull(config, logger, file);
  const stopping = Promise.withResolvers<string>();
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) =>
    [s, () => stopping.resolve(s)] as const
  );
  for (const [s, fn] of listeners) Deno.addSignalListener(s, fn);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = listen(config, nightpull, logger);
  } catch (err) {
    for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
    await nightpull.close();
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

/** Serves `nightpull`'s app on the configured address; a busy address is a usage error. */
function listen(
  config: Config,
  nightpull: Nightpull,
  logger: Logger,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({
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
    if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    throw new NightpullError(
      "usage",
      `cannot listen on ${listenUrl(config.host, config.port)}: the address is in use; ` +
        "pick another --port",
    );
  }
}
