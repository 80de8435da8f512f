/**
 * `POST /scheduler/tick`: fires the occurrences and runs that are due now. For hosts that
 * freeze or stop idle processes (`deno serve` on a serverless platform), where the
 * scheduler's timers cannot be trusted: an external cron calls this every minute. Claims keep
 * each occurrence exactly once however many ticks and timers race. Under `/api/v1`, so it
 * needs the bearer token when the server has one.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { validationHook } from "./errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "./openapi_route.ts";

/** What the tick needs from the engine. */
export interface TickingEngine {
  tick(): Promise<{ schedules: number; running: number }>;
}

const TickSchema = z.object({
  schedules: z.number().int().openapi({
    description: "schedules whose due occurrence was handled by this tick",
    example: 1,
  }),
  running: z.number().int().openapi({
    description: "runs executing in this process afterwards",
    example: 1,
  }),
}).openapi("Tick", { example: { schedules: 1, running: 1 } });

const route = createRoute({
  method: "post",
  path: "/scheduler/tick",
  tags: ["scheduler"],
  summary: "Fire what is due now (external tick for hosts that stop idle processes)",
  security: bearerSecurity,
  responses: {
    200: jsonResponse(TickSchema, "the due occurrences were claimed; runs go on"),
    ...errorResponses(401, 409),
  },
});

/** The tick route over `engine`, to mount under `/api/v1`. */
export function schedulerRoutes(engine: TickingEngine): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(route, async (c) => c.json(await engine.tick(), 200));
  return app;
}
