/**
 * `POST /downloads`: a one-off download with the body of a schedule minus its trigger,
 * answered 202 with the run that carries it out.
 * @module
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { ScheduleService } from "../schedule/service/service.ts";
import { validationHook } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import { DownloadInputSchema } from "./schemas.ts";
import { RunSchema } from "./view_schemas.ts";
import { bearerSecurity, errorResponses, jsonRequest, jsonResponse } from "./openapi_route.ts";

const route = createRoute({
  method: "post",
  path: "/downloads",
  tags: ["downloads"],
  summary: "Start a one-off download",
  security: bearerSecurity,
  middleware: [jsonBody()] as const,
  request: { body: jsonRequest(DownloadInputSchema) },
  responses: {
    202: jsonResponse(RunSchema, "accepted; the run"),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

/** The `/downloads` route over `service`, to mount under `/api/v1`. */
export function downloadRoutes(service: ScheduleService): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(route, async (c) => c.json(await service.startDownload(c.req.valid("json")), 202));
  return app;
}
