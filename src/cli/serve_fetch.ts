/**
 * The handler behind `deno serve main.ts`: nightpull configured from the environment (and the
 * config file it names), started on the first request or by `start()` when listening.
 *
 * @example
 * ```ts
 * const handler = serveFetch(Deno.env.toObject());
 * export default { fetch: handler.fetch };
 * ```
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { NightpullError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { isLoopback, type Nightpull, startNightpull } from "./serve.ts";
import { serveConfig } from "./serve_config.ts";

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
