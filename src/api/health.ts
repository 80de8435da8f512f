/**
 * `GET /healthz` (the process answers) and `GET /readyz` (the KV answers a real read and the
 * scheduler is armed), both outside `/api/v1` and without auth, for load balancers and
 * container health checks.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { pingKv } from "../store/ping.ts";
import { jsonResponse } from "./openapi_route.ts";

/** What readiness needs to know about the scheduler. */
export interface ArmedEngine {
  isArmed(): boolean;
}

const ReadySchema = z.object({
  status: z.enum(["ready", "unready"]),
  kv: z.enum(["ok", "unavailable"]),
  engine: z.enum(["armed", "not_armed"]),
}).openapi("Readiness", { example: { status: "ready", kv: "ok", engine: "armed" } });

const routes = {
  health: createRoute({
    method: "get",
    path: "/healthz",
    tags: ["health"],
    summary: "Liveness",
    responses: {
      200: jsonResponse(
        z.object({ status: z.literal("ok") }).openapi({ example: { status: "ok" } }),
        "alive",
      ),
    },
  }),
  ready: createRoute({
    method: "get",
    path: "/readyz",
    tags: ["health"],
    summary: "Readiness: KV reachable and scheduler armed",
    responses: {
      200: jsonResponse(ReadySchema, "ready"),
      503: jsonResponse(ReadySchema, "not ready"),
    },
  }),
};

/** Health routes; readiness reads `kv` and asks `engine`. */
export function healthRoutes(kv: Deno.Kv, engine: ArmedEngine): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(routes.health, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(routes.ready, async (c) => {
    const kvOk = await pingKv(kv);
    const armed = engine.isArmed();
    const ready = kvOk && armed;
    return c.json({
      status: ready ? "ready" as const : "unready" as const,
      kv: kvOk ? "ok" as const : "unavailable" as const,
      engine: armed ? "armed" as const : "not_armed" as const,
    }, ready ? 200 : 503);
  });
  return app;
}
