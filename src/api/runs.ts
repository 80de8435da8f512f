/**
 * Run history routes: `GET /schedules/{id}/runs` (newest first, cursor-paginated) and
 * `GET /runs/{id}`.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ScheduleService } from "../schedule/service/service.ts";
import { validationHook } from "./errors.ts";
import { CursorQuery, IdParam, LimitQuery } from "./schemas.ts";
import { pageOf, RunSchema } from "./view_schemas.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "./openapi_route.ts";

const routes = {
  history: createRoute({
    method: "get",
    path: "/schedules/{id}/runs",
    tags: ["runs"],
    summary: "A schedule's runs, newest first",
    security: bearerSecurity,
    request: {
      params: IdParam,
      query: z.strictObject({ limit: LimitQuery, cursor: CursorQuery }),
    },
    responses: {
      200: jsonResponse(pageOf(RunSchema, "RunPage"), "one page"),
      ...errorResponses(400, 401, 404, 422),
    },
  }),
  get: createRoute({
    method: "get",
    path: "/runs/{id}",
    tags: ["runs"],
    summary: "One run",
    security: bearerSecurity,
    request: { params: IdParam },
    responses: { 200: jsonResponse(RunSchema, "the run"), ...errorResponses(401, 404, 422) },
  }),
};

/** The run history routes over `service`, to mount under `/api/v1`. */
export function runRoutes(service: ScheduleService): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(routes.history, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await service.listRuns(c.req.valid("param").id, { limit, cursor }), 200);
  });
  app.openapi(routes.get, async (c) => c.json(await service.getRun(c.req.valid("param").id), 200));
  return app;
}
