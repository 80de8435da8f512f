/**
 * `GET /manifest?source=`: what is downloaded (path, size, sha256, commit, when), one
 * cursor-paginated list over the manifest store. `source` may carry a revision; the manifest
 * groups files by the source without it.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { manifestSourceKey } from "../download/source/source_key.ts";
import { listManifest } from "../store/manifest.ts";
import { validationHook } from "./errors.ts";
import { CursorQuery, LimitQuery } from "./schemas.ts";
import { ManifestEntrySchema, pageOf } from "./view_schemas.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "./openapi_route.ts";

const route = createRoute({
  method: "get",
  path: "/manifest",
  tags: ["manifest"],
  summary: "Downloaded files",
  security: bearerSecurity,
  request: {
    query: z.strictObject({
      source: z.string().min(1).max(2048).optional().openapi({
        param: { name: "source", in: "query" },
        example: "hf:openai-community/gpt2",
      }),
      limit: LimitQuery,
      cursor: CursorQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageOf(ManifestEntrySchema, "ManifestPage"), "one page"),
    ...errorResponses(400, 401, 422),
  },
});

/** The `/manifest` route over `kv`, to mount under `/api/v1`. */
export function manifestRoutes(kv: Deno.Kv): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const { source, limit, cursor } = c.req.valid("query");
    const page = await listManifest(kv, {
      source: source === undefined ? undefined : manifestSourceKey(source),
      limit: limit ?? 100,
      cursor,
    });
    return c.json({ items: page.entries, nextCursor: page.nextCursor ?? null }, 200);
  });
  return app;
}
