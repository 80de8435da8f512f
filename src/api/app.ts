/**
 * The HTTP API's routes under `/api/v1` (schedules, runs, time windows, run events, the scheduler,
 * downloads, manifests, the cache), the health probes and `/metrics` beside them, and the OpenAPI
 * document of all of them. Authentication, origin checks and the dashboard are composed around
 * them by `src/server.ts`.
 *
 * @example
 * ```ts
 * const app = new OpenAPIHono({ defaultHook: validationHook });
 * mountApi(app, { service, kv, engine, config, logger });
 * ```
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { EngineEvent } from "../schedule/engine/engine.ts";
import { RunEventHub } from "./events/run_event_hub.ts";
import { maskSchedule, type ScheduleService } from "../schedule/service/service.ts";
import { DetailCache } from "./detail_cache.ts";
import { downloadRoutes } from "./downloads.ts";
import { validationHook } from "./errors.ts";
import { type ArmedEngine, healthRoutes } from "./health.ts";
import { manifestRoutes } from "./manifest.ts";
import { cacheRoutes } from "./cache.ts";
import { metricsRoutes } from "./metrics.ts";
import { runEventRoutes } from "./run_events.ts";
import { runRoutes } from "./runs.ts";
import { schedulerRoutes, type TickingEngine } from "./scheduler.ts";
import { scheduleRoutes } from "./schedules.ts";
import { timeWindowRoutes } from "./time_window.ts";
import { OpenAPIHono as Hono } from "@hono/zod-openapi";
import type { Clock } from "../time/clock.ts";

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
const API_VERSION = "1.0.0";

/**
 * Adds the health probes, `/metrics` and every `/api/v1` route to `app`; returns the cache of
 * schedule details they read through.
 */
export function mountApi(app: OpenAPIHono, deps: AppDeps & { logger: Logger }): DetailCache {
  const logger = deps.logger;
  app.route("/", healthRoutes(deps.kv, deps.engine));
  app.route("/", metricsRoutes());
  const api = new Hono({ defaultHook: validationHook });
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
  return details;
}

/** Serves `/openapi.json`: the document of every route on `app`, generated on first request. */
export function mountOpenApi(app: OpenAPIHono): void {
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
}
