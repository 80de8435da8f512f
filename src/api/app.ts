/**
 * The HTTP API: composes the resource routes under `/api/v1` behind the bearer check (without
 * a token: the same-origin check; CORS only for `--allow-origin` origins), the health probes and `/openapi.json` outside it, and one error shape for everything.
 *
 * @example
 * ```ts
 * const app = createApp({ service, kv, engine, config, logger });
 * Deno.serve({ port: 8080 }, app.fetch);
 * ```
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { NightpullError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { EngineEvent } from "../schedule/engine/engine.ts";
import { RunEventHub } from "./events/run_event_hub.ts";
import { maskSchedule, type ScheduleService } from "../schedule/service/service.ts";
import { cors } from "hono/cors";
import { bearerAuth } from "./auth.ts";
import { originGuard } from "./origin_guard.ts";
import { DetailCache } from "./detail_cache.ts";
import { downloadRoutes } from "./downloads.ts";
import { errorHandler, errorResponse, validationHook } from "./errors.ts";
import { type ArmedEngine, healthRoutes } from "./health.ts";
import { manifestRoutes } from "./manifest.ts";
import { cacheRoutes } from "./cache.ts";
import { metricsRoutes } from "./metrics.ts";
import { runEventRoutes } from "./run_events.ts";
import { runRoutes } from "./runs.ts";
import { schedulerRoutes, type TickingEngine } from "./scheduler.ts";
import { scheduleRoutes } from "./schedules.ts";
import { timeWindowRoutes } from "./time_window.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { ScheduleOverview } from "../schedule/service/schedule_overview.ts";
import { DASHBOARD_PATHS, dashboardApp, Sessions } from "../ui/mod.ts";

/** Prefix of every management route. */
export const API_PREFIX = "/api/v1";

/** What the app is built from. */
export interface AppDeps {
  service: ScheduleService;
  kv: Deno.Kv;
  /** Readiness, the external tick, and run events (SSE; they also keep cached details fresh). */
  engine: ArmedEngine & TickingEngine & { subscribe?(fn: (e: EngineEvent) => void): () => void };
  /** Live run events; default: a hub fed by `engine`, reading stored runs through `service`. */
  runEvents?: RunEventHub;
  config:
    & Pick<Config, "apiToken" | "logLevel" | "timezone" | "hubCache">
    & Partial<Pick<Config, "host" | "allowOrigins" | "insecureNoAuth">>;
  logger?: Logger;
  /** The port the server listens on, once known; without it any port passes the origin check. */
  port?: () => number | undefined;
  /** The dashboard's clock (next runs, relative times); default the system clock. */
  clock?: Clock;
}

/** Version shown in the OpenAPI document. */
export const API_VERSION = "1.0.0";

/** Builds the Hono app serving the whole HTTP API. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const logger = deps.logger ?? silentLogger;
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
  if (deps.config.logLevel === "debug") {
    // one line per request only when asked for: the middleware costs a few µs per request
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
  const clock = deps.clock ?? systemClock;
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
  } else {
    // without a token the dashboard's pages follow the API's same-origin rule too
    const guard = originGuard({
      hosts: deps.config.host ? [deps.config.host] : [],
      port: deps.port ?? (() => undefined),
      allowOrigins,
      // served beyond loopback on purpose: clients then name the machine by its address
      anyAddress: deps.config.insecureNoAuth === true,
    });
    for (const path of [`${API_PREFIX}/*`, ...DASHBOARD_PATHS]) app.use(path, guard);
  }

  app.route("/", healthRoutes(deps.kv, deps.engine));
  app.route("/", metricsRoutes());
  const api = new OpenAPIHono({ defaultHook: validationHook });
  const details = new DetailCache(async (id) => {
    const detail = await deps.service.get(id);
    return { ...detail, ...maskSchedule(detail) };
  });
  // runs the local engine plans or finishes change a schedule's stats
  deps.engine.subscribe?.((event) => {
    if (event.type === "run" && event.run.scheduleId) details.invalidate(event.run.scheduleId);
  });
  // every local write (API, dashboard, CLI through either) drops the schedule's cached detail
  deps.service.onChanged((id) => {
    if (id) details.invalidate(id);
  });
  api.route("/", scheduleRoutes(deps.service, details));
  api.route("/", runRoutes(deps.service));
  api.route("/", timeWindowRoutes(deps.service, details));
  const engine = deps.engine;
  const hub = deps.runEvents ?? new RunEventHub({
    subscribe: engine.subscribe ? (fn) => engine.subscribe!(fn) : undefined,
    loadRun: (id) => deps.service.getRun(id),
  });
  api.route("/", runEventRoutes(hub));
  api.route("/", schedulerRoutes(engine));
  api.route("/", downloadRoutes(deps.service));
  api.route("/", manifestRoutes(deps.kv));
  api.route("/", cacheRoutes({ config: deps.config, kv: deps.kv, service: deps.service, logger }));
  app.route(API_PREFIX, api);

  const ui = dashboardApp({
    service: deps.service,
    overview: new ScheduleOverview({ kv: deps.kv, config: deps.config, clock }),
    kv: deps.kv,
    config: deps.config,
    clock,
    logger,
  });
  for (const path of DASHBOARD_PATHS) app.all(path, (c) => ui.fetch(c.req.raw));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "NIGHTPULL_TOKEN of the server; required on /api/v1 when the server has one",
  });
  const info = {
    title: "nightpull",
    version: API_VERSION,
    description: "Scheduled, resumable, verified downloads of Hugging Face repos and files",
  };
  let document: unknown;
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      tags: ["health"],
      summary: "This document (OpenAPI 3.0)",
      responses: {
        200: {
          description: "the OpenAPI document of every route",
          content: {
            "application/json": {
              schema: z.record(z.string(), z.unknown()).openapi({
                example: { openapi: "3.0.3", info, paths: {} },
              }),
            },
          },
        },
      },
    }),
    (c) => {
      // generated once: the routes are fixed after createApp returns
      document ??= app.getOpenAPIDocument({ openapi: "3.0.3", info });
      return c.json(document as Record<string, unknown>, 200);
    },
  );
  return app;
}
