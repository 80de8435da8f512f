/**
 * `/schedules` routes: create, list, detail, replace, patch, delete, pause, resume and
 * trigger (a schedule's runs are in `runs.ts`). Handlers only translate HTTP to {@link ScheduleService} calls; every rule lives in
 * the service. Secrets never leave: each schedule goes out through `maskSchedule`.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  maskSchedule,
  type ScheduleInput,
  type ScheduleService,
} from "../schedule/service/service.ts";
import type { Schedule } from "../store/records.ts";
import { DEFAULT_PRIORITY } from "../schedule/runs/run_defaults.ts";
import type { DetailCache } from "./detail_cache.ts";
import { validationHook } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import {
  CursorQuery,
  FlagQuery,
  IdParam,
  LimitQuery,
  ScheduleInputSchema,
  SchedulePatchSchema,
} from "./schemas.ts";
import { pageOf, RunSchema, ScheduleDetailSchema, ScheduleSchema } from "./view_schemas.ts";
import { bearerSecurity, errorResponses, jsonRequest, jsonResponse } from "./openapi_route.ts";

/**
 * `label` query parameter, repeatable: `team:nlp` (that value) or `team` (any value); a
 * schedule must carry every one given.
 */
const LabelQuery = z.preprocess(
  (v) => (v === undefined || Array.isArray(v) ? v : [v]),
  z.array(
    z.string().regex(
      /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}(:.{1,128})?$/,
      'expected KEY:VALUE such as "team:nlp", or KEY alone for any value',
    ).transform((t): [string, string | null] => {
      const colon = t.indexOf(":");
      return colon < 0 ? [t, null] : [t.slice(0, colon), t.slice(colon + 1)];
    }),
  ).max(16).optional(),
).openapi({
  param: { name: "label", in: "query" },
  type: "string",
  example: "team:nlp",
  description: "KEY:VALUE or KEY; repeat to require several labels",
});

const lifecycle = (action: "pause" | "resume") =>
  createRoute({
    method: "post",
    path: `/schedules/{id}/${action}`,
    tags: ["schedules"],
    summary: `${action[0].toUpperCase()}${action.slice(1)} a schedule`,
    security: bearerSecurity,
    request: { params: IdParam },
    responses: {
      200: jsonResponse(ScheduleSchema, "the schedule"),
      ...errorResponses(401, 404, 409, 422),
    },
  });

const routes = {
  create: createRoute({
    method: "post",
    path: "/schedules",
    tags: ["schedules"],
    summary: "Create a schedule",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { body: jsonRequest(ScheduleInputSchema) },
    responses: {
      201: {
        ...jsonResponse(ScheduleSchema, "created; Location names it"),
        headers: z.object({ Location: z.string() }),
      },
      ...errorResponses(400, 401, 413, 415, 422),
    },
  }),
  list: createRoute({
    method: "get",
    path: "/schedules",
    tags: ["schedules"],
    summary: "List schedules",
    security: bearerSecurity,
    request: {
      query: z.strictObject({
        status: z.enum(["active", "paused", "completed", "deleted"]).optional().openapi({
          param: { name: "status", in: "query" },
          example: "active",
        }),
        label: LabelQuery,
        limit: LimitQuery,
        cursor: CursorQuery,
      }),
    },
    responses: {
      200: jsonResponse(pageOf(ScheduleSchema, "SchedulePage"), "one page"),
      ...errorResponses(400, 401, 422),
    },
  }),
  get: createRoute({
    method: "get",
    path: "/schedules/{id}",
    tags: ["schedules"],
    summary: "A schedule with its next runs and statistics",
    security: bearerSecurity,
    request: { params: IdParam },
    responses: {
      200: jsonResponse(ScheduleDetailSchema, "the schedule"),
      ...errorResponses(401, 404, 422),
    },
  }),
  replace: createRoute({
    method: "put",
    path: "/schedules/{id}",
    tags: ["schedules"],
    summary: "Replace a schedule",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { params: IdParam, body: jsonRequest(ScheduleInputSchema) },
    responses: {
      200: jsonResponse(ScheduleSchema, "the schedule"),
      ...errorResponses(400, 401, 404, 409, 413, 415, 422),
    },
  }),
  patch: createRoute({
    method: "patch",
    path: "/schedules/{id}",
    tags: ["schedules"],
    summary: "Change some fields of a schedule",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { params: IdParam, body: jsonRequest(SchedulePatchSchema) },
    responses: {
      200: jsonResponse(ScheduleSchema, "the schedule"),
      ...errorResponses(400, 401, 404, 409, 413, 415, 422),
    },
  }),
  remove: createRoute({
    method: "delete",
    path: "/schedules/{id}",
    tags: ["schedules"],
    summary: "Delete a schedule (soft unless hard=true)",
    security: bearerSecurity,
    request: { params: IdParam, query: z.strictObject({ hard: FlagQuery("hard") }) },
    responses: { 204: { description: "deleted" }, ...errorResponses(401, 404, 422) },
  }),
  pause: lifecycle("pause"),
  resume: lifecycle("resume"),
  trigger: createRoute({
    method: "post",
    path: "/schedules/{id}/trigger",
    tags: ["schedules"],
    summary: "Run a schedule now",
    security: bearerSecurity,
    request: { params: IdParam, query: z.strictObject({ force: FlagQuery("force") }) },
    responses: { 202: jsonResponse(RunSchema, "the run"), ...errorResponses(401, 404, 409, 422) },
  }),
};

// records older than the priority field show the priority they run with
const show = (s: Schedule) =>
  maskSchedule({ ...s, priority: s.priority ?? DEFAULT_PRIORITY }) as z.infer<
    typeof ScheduleSchema
  >;

/**
 * The `/schedules` routes over `service`, to mount under `/api/v1`. Details are read through
 * `details`; every write here drops the schedule's cached detail.
 */
export function scheduleRoutes(service: ScheduleService, details: DetailCache): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  /** Runs a write of schedule `id`, then drops its cached detail (also when the write failed). */
  const writing = async <T>(id: string, write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      details.invalidate(id);
    }
  };
  app.openapi(routes.create, async (c) => {
    const created = await service.create(c.req.valid("json"));
    c.header("Location", `/api/v1/schedules/${encodeURIComponent(created.id)}`);
    return c.json(show(created), 201);
  });
  app.openapi(routes.list, async (c) => {
    const { status, label, limit, cursor } = c.req.valid("query");
    const page = await service.list({ status, labels: label, limit, cursor });
    return c.json({ items: page.items.map(show), nextCursor: page.nextCursor }, 200);
  });
  app.openapi(routes.get, async (c) => {
    const json = await details.get(c.req.valid("param").id);
    // already serialized (and masked) by the cache; the schema still documents it
    return c.body(json, 200, { "content-type": "application/json" }) as never;
  });
  app.openapi(routes.replace, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(show(await writing(id, service.replace(id, c.req.valid("json")))), 200);
  });
  app.openapi(routes.patch, async (c) => {
    const { id } = c.req.valid("param");
    // null means "remove this field"; the service merges it so, though its type says Partial
    const patch = c.req.valid("json") as Partial<ScheduleInput>;
    return c.json(show(await writing(id, service.patch(id, patch))), 200);
  });
  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid("param");
    await writing(id, service.delete(id, { hard: c.req.valid("query").hard === "true" }));
    return c.body(null, 204);
  });
  app.openapi(routes.pause, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(show(await writing(id, service.pause(id))), 200);
  });
  app.openapi(routes.resume, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(show(await writing(id, service.resume(id))), 200);
  });
  app.openapi(routes.trigger, async (c) => {
    const { id } = c.req.valid("param");
    const force = c.req.valid("query").force === "true";
    return c.json(await writing(id, service.trigger(id, { force })), 202);
  });
  return app;
}
