/**
 * The composition root: the one place that builds nightpull's parts and wires them together.
 * `nightpull serve`, `deno serve main.ts`, the API and schedule test harnesses and the
 * benchmarks all start from here, so they run the same engine, service, run events and app.
 *
 * - {@link composeServer}: engine + schedule service + live run events + the HTTP app, and
 *   `start()` (declared schedules, then the scheduler) / `close()`.
 * - {@link createApp}: the HTTP app: the API routes of `src/api/` behind the bearer check (or the
 *   same-origin check without a token), CORS for `--allow-origin` origins, and the dashboard of
 *   `src/ui/` sharing that guard and its sessions.
 *
 * @example
 * ```ts
 * const server = composeServer({ config, kv, execute, logger });
 * await server.start();
 * Deno.serve({ port: config.port }, server.app.fetch);
 * ```
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { API_PREFIX, type AppDeps, mountApi, mountOpenApi } from "./api/app.ts";
import { bearerAuth, bearerMatches } from "./api/auth.ts";
import { detailFastPath } from "./api/detail_fast_path.ts";
import { RunEventHub } from "./api/events/run_event_hub.ts";
import { errorHandler, errorResponse, validationHook } from "./api/errors.ts";
import { originGuard, type OriginPolicy, requestRefusal } from "./api/origin_guard.ts";
import type { Config } from "./config.ts";
import type { ConfigFile } from "./config_file.ts";
import { NightpullError } from "./errors.ts";
import { type Logger, silentLogger } from "./log.ts";
import { Engine, type EngineOptions, type Executor } from "./schedule/engine/engine.ts";
import { applyDeclaredSchedules } from "./schedule/service/declared_schedules.ts";
import { ScheduleOverview } from "./schedule/service/schedule_overview.ts";
import { ScheduleService } from "./schedule/service/service.ts";
import { type Clock, systemClock } from "./time/clock.ts";
import { DASHBOARD_PATHS, dashboardApp, Sessions } from "./ui/mod.ts";

export { API_PREFIX, type AppDeps };

/** Builds the Hono app serving the whole HTTP API and the dashboard. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.onError(errorHandler(logger));
  app.notFound((c) =>
    errorResponse(
      c,
      new NightpullError(
        "not_found",
        `no route ${c.req.method} ${c.req.path}; GET /openapi.json lists the routes`,
      ),
    )
  );
  // one line per request only when asked for: the middleware costs a few µs per request
  const logging = deps.config.logLevel === "debug";
  if (logging) logRequests(app, logger);
  const admits = guardRoutes(app, deps, clock);
  const details = mountApi(app, { ...deps, logger });
  const ui = dashboardApp({
    service: deps.service,
    overview: new ScheduleOverview({ kv: deps.kv, config: deps.config, clock }),
    kv: deps.kv,
    config: deps.config,
    clock,
    logger,
  });
  for (const path of DASHBOARD_PATHS) app.all(path, (c) => ui.fetch(c.req.raw));
  mountOpenApi(app);
  // a cached schedule detail skips the router when no middleware would change its answer (CORS
  // adds Vary, debug logging a line): see api/detail_fast_path.ts
  if (!logging && (deps.config.allowOrigins ?? []).length === 0) {
    const fast = detailFastPath(details, admits);
    const full = app.fetch;
    app.fetch = (req, ...rest) => fast(req) ?? full(req, ...rest);
  }
  return app;
}

/** Logs one `api.request` line (method, path, status, ms) per request at debug level. */
function logRequests(app: OpenAPIHono, logger: Logger): void {
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug("api.request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
}

/**
 * CORS for `--allow-origin` origins on the API; then the bearer check (a dashboard session
 * passes too) with a token, or the same-origin check on the API and the dashboard without one.
 * Returns the same check as a predicate for requests the middleware would let through (a
 * session is not looked up: such a request takes the middleware).
 */
function guardRoutes(app: OpenAPIHono, deps: AppDeps, clock: Clock): (req: Request) => boolean {
  const allowOrigins = deps.config.allowOrigins ?? [];
  if (allowOrigins.length > 0) {
    app.use(
      `${API_PREFIX}/*`,
      cors({
        origin: (origin) => allowOrigins.includes(origin) ? origin : null,
        allowHeaders: ["Authorization", "Content-Type"],
        allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      }),
    );
  }
  const token = deps.config.apiToken;
  if (token) {
    // the dashboard's own calls (event streams, in-place actions) ride on its session cookie
    const sessions = new Sessions(deps.kv, token, () => clock.now());
    app.use(
      `${API_PREFIX}/*`,
      bearerAuth(token, async (c) => {
        const session = await sessions.of(c);
        return session !== null && sessions.allows(c, session);
      }),
    );
    return (req) => bearerMatches(req.headers.get("authorization"), token);
  } else {
    // without a token the dashboard's pages follow the API's same-origin rule too
    const policy: OriginPolicy = {
      hosts: deps.config.host ? [deps.config.host] : [],
      port: deps.port ?? (() => undefined),
      allowOrigins,
      // served beyond loopback on purpose: clients then name the machine by its address
      anyAddress: deps.config.insecureNoAuth === true,
    };
    const guard = originGuard(policy);
    for (const path of [`${API_PREFIX}/*`, ...DASHBOARD_PATHS]) app.use(path, guard);
    return (req) => requestRefusal(req, policy) === null;
  }
}

/** What {@link composeServer} is built from. */
interface ServerOptions {
  config: Config;
  /** The open KV; the caller opened it and closes it. */
  kv: Deno.Kv;
  /** What a run does: a pull, a cache task, or a test's stand-in. */
  execute: Executor;
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Engine tuning for tests (lease length, jitter source, webhook delays). */
  engine?: Partial<Omit<EngineOptions, "kv" | "config" | "execute" | "clock" | "logger">>;
  /** The config file whose declared schedules `start()` applies before arming. */
  file?: ConfigFile | null;
}

/** A composed nightpull: its parts, and how to start and stop them. */
export interface Server {
  app: OpenAPIHono;
  kv: Deno.Kv;
  engine: Engine;
  service: ScheduleService;
  runEvents: RunEventHub;
  /** Applies the config file's declared schedules, then arms the scheduler. */
  start(): Promise<void>;
  /** Closes the event streams and stops the engine (runs hand back their leases). */
  close(): Promise<void>;
  /** Tells the origin check which port the server bound. */
  listening(port: number): void;
}

/** Builds engine, service, run events and app over one KV; nothing runs until `start()`. */
export function composeServer(options: ServerOptions): Server {
  const { config, kv, logger = silentLogger, clock } = options;
  const engine = new Engine({
    ...options.engine,
    kv,
    config,
    execute: options.execute,
    logger,
    ...(clock ? { clock } : {}),
  });
  const service = new ScheduleService({ kv, config, engine, logger, ...(clock ? { clock } : {}) });
  const runEvents = new RunEventHub({
    subscribe: (fn) => engine.subscribe(fn),
    loadRun: (id) => service.getRun(id),
  });
  // unknown until listening: `deno serve` and in-process callers pick the port themselves
  let port: number | undefined;
  const app = createApp({
    service,
    kv,
    engine,
    config,
    logger,
    runEvents,
    port: () => port,
    ...(clock ? { clock } : {}),
  });
  let closed: Promise<void> | undefined;
  return {
    app,
    kv,
    engine,
    service,
    runEvents,
    start: async () => {
      // declared schedules are in place before the scheduler arms
      const file = options.file;
      if (file) {
        const outcomes = await applyDeclaredSchedules(
          { kv, service, config, logger },
          file.path,
          file.schedules,
        );
        logger.info("config.loaded", { file: file.path, schedules: outcomes.length });
      }
      await engine.start();
    },
    close: () =>
      closed ??= (async () => {
        runEvents.close();
        await engine.stop();
      })(),
    listening: (bound) => {
      port = bound;
    },
  };
}
