/**
 * Time-window routes: `GET/PUT/DELETE /schedules/{id}/time-window`, `GET /time-window/status`
 * and `POST /time-window/validate`. A window may be sent in the short forms people write
 * (`"22:00-07:00"`, `"days": "mon-fri"` or `"weekends"`); answers carry the normalized form.
 * Rules live in the window service; bad input answers 422 and writes nothing.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ScheduleService } from "../schedule/service/service.ts";
import type { DetailCache } from "./detail_cache.ts";
import { validationHook } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import {
  IdParam,
  TimeWindowInputSchema,
  TimeWindowSchema,
  WindowRangeInputSchema,
} from "./schemas.ts";
import { bearerSecurity, errorResponses, jsonRequest, jsonResponse } from "./openapi_route.ts";
import { SCHEDULE_WINDOW_EXAMPLE, WINDOW_CHECK_EXAMPLE } from "./examples.ts";

const text = (max: number) => z.string().min(1).max(max);
const instant = z.string().openapi({ format: "date-time", example: "2026-11-22T22:00:00.000Z" });

/** The window schema lives with the schedule schemas, which take it too. */
export { TimeWindowInputSchema };

/** One range as a whole body (what the time-window clients of the seeds send). */
const SingleWindowInputSchema = WindowRangeInputSchema.extend({
  timezone: text(64).optional().openapi({ example: "Europe/Berlin" }),
  onEnd: z.enum(["continue", "pause"]).optional(),
}).openapi("SingleWindowInput", {
  example: { start: "22:00", end: "07:00", days: "mon-fri", timezone: "Europe/Berlin" },
});

const stateFields = {
  timezone: z.string().openapi({ description: "the zone the window is read in" }),
  open: z.boolean(),
  nextOpen: instant.nullable(),
  nextClose: instant.nullable(),
};

/** A schedule's window with its state now. */
const ScheduleWindowSchema = z.object({
  scheduleId: z.string(),
  name: z.string(),
  status: z.enum(["active", "paused", "completed", "deleted"]),
  timeWindow: TimeWindowSchema,
  ...stateFields,
}).openapi("ScheduleWindow", { example: SCHEDULE_WINDOW_EXAMPLE });

/** The answer of `POST /time-window/validate`. */
const WindowCheckSchema = z.object({
  window: TimeWindowSchema,
  ...stateFields,
  transitions: z.array(z.object({ at: instant, open: z.boolean() })).openapi({
    description: "the next three changes of state",
  }),
}).openapi("WindowCheck", { example: WINDOW_CHECK_EXAMPLE });

const path = "/schedules/{id}/time-window";
const tags = ["time windows"];

const routes = {
  get: createRoute({
    method: "get",
    path,
    tags,
    summary: "A schedule's time window and its state",
    security: bearerSecurity,
    request: { params: IdParam },
    responses: {
      200: jsonResponse(ScheduleWindowSchema, "the window"),
      ...errorResponses(401, 404, 422),
    },
  }),
  put: createRoute({
    method: "put",
    path,
    tags,
    summary: "Set a schedule's time window",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { params: IdParam, body: jsonRequest(TimeWindowInputSchema) },
    responses: {
      200: jsonResponse(ScheduleWindowSchema, "the window, normalized"),
      ...errorResponses(400, 401, 404, 409, 413, 415, 422),
    },
  }),
  remove: createRoute({
    method: "delete",
    path,
    tags,
    summary: "Remove a schedule's time window",
    security: bearerSecurity,
    request: { params: IdParam },
    responses: { 204: { description: "removed" }, ...errorResponses(401, 404, 409, 422) },
  }),
  status: createRoute({
    method: "get",
    path: "/time-window/status",
    tags,
    summary: "Every schedule's window: open now, next opening, next closing",
    security: bearerSecurity,
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ScheduleWindowSchema) }).openapi("WindowStatus", {
          example: { items: [SCHEDULE_WINDOW_EXAMPLE] },
        }),
        "schedules with a window, in creation order",
      ),
      ...errorResponses(401),
    },
  }),
  validate: createRoute({
    method: "post",
    path: "/time-window/validate",
    tags,
    summary: "Validate a window: its normalized form and next transitions",
    description: 'The body is a window (`{"windows": [...]}`) or one range as the whole body ' +
      '(`{"start": "22:00", "end": "07:00", "days"?, "timezone"?}`); both answer alike.',
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: {
      body: jsonRequest(
        z.union([TimeWindowInputSchema, SingleWindowInputSchema]).openapi({
          example: { start: "22:00", end: "07:00", days: "mon-fri", timezone: "Europe/Berlin" },
        }),
      ),
    },
    responses: {
      200: jsonResponse(WindowCheckSchema, "valid"),
      ...errorResponses(400, 401, 413, 415, 422),
    },
  }),
};

/**
 * The time-window routes over `service`, to mount under `/api/v1`; writes drop the schedule's
 * cached detail (it shows the window state).
 */
export function timeWindowRoutes(service: ScheduleService, details: DetailCache): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  const windows = service.windows;
  app.openapi(routes.get, async (c) => c.json(await windows.get(c.req.valid("param").id), 200));
  app.openapi(routes.put, async (c) => {
    const { id } = c.req.valid("param");
    try {
      return c.json(await windows.set(id, c.req.valid("json")), 200);
    } finally {
      details.invalidate(id);
    }
  });
  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid("param");
    try {
      await windows.clear(id);
    } finally {
      details.invalidate(id);
    }
    return c.body(null, 204);
  });
  app.openapi(routes.status, async (c) => c.json({ items: await windows.status() }, 200));
  app.openapi(routes.validate, (c) => c.json(windows.validate(c.req.valid("json")), 200));
  return app;
}
