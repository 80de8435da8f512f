/**
 * The hub cache over HTTP: `GET /cache` (repos, revisions, sizes, disk free and total, as
 * `nightpull cache ls --json`), `POST /cache/prune` (the retention rule now; `dryRun` only
 * reports) and `POST /cache/verify` (202 and a run, followed like a download's).
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { cacheReport } from "../download/cache/cache_report.ts";
import { pruneCache } from "../download/cache/retention.ts";
import { parseRepoArg } from "../download/cache/repo_arg.ts";
import type { ScheduleService } from "../schedule/service/service.ts";
import { validationHook } from "./errors.ts";
import { jsonBody } from "./json_body.ts";
import { RunSchema } from "./view_schemas.ts";
import { bearerSecurity, errorResponses, jsonRequest, jsonResponse } from "./openapi_route.ts";

const instant = z.string().nullable().openapi({ format: "date-time" });
const repoType = z.enum(["model", "dataset", "space", "kernel"]);

const CacheSchema = z.object({
  cacheDir: z.string(),
  size: z.number().openapi({ description: "bytes of every blob of the listed repos" }),
  repos: z.array(z.object({
    repo: z.string().openapi({ example: "acme/tiny-model" }),
    type: repoType,
    size: z.number(),
    lastModified: instant,
    revisions: z.array(z.object({
      commit: z.string(),
      refs: z.array(z.string()),
      files: z.number(),
      size: z.number(),
      lastModified: instant,
    })),
  })),
  disk: z.object({ free: z.number(), total: z.number() }),
}).openapi("Cache", {
  example: {
    cacheDir: "/home/me/.cache/huggingface/hub",
    size: 2_100_042,
    repos: [{
      repo: "acme/tiny-model",
      type: "model",
      size: 2_100_042,
      lastModified: "2026-11-22T02:00:41.000Z",
      revisions: [{
        commit: "3f5e0c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
        refs: ["main"],
        files: 9,
        size: 2_100_042,
        lastModified: "2026-11-22T02:00:41.000Z",
      }],
    }],
    disk: { free: 53_687_091_200, total: 269_490_393_088 },
  },
});

const RepoList = z.array(
  z.string().min(3).max(300).refine((r) => {
    try {
      parseRepoArg(r, false);
      return true;
    } catch {
      return false;
    }
  }, "expected org/name, datasets/org/name or spaces/org/name"),
).max(1000).optional();

const PruneInput = z.strictObject({
  keep: z.number().int().min(0).max(10_000).openapi({ example: 1 }),
  repos: RepoList,
  dryRun: z.boolean().optional(),
}).openapi("CachePruneInput", {
  example: { keep: 1, repos: ["acme/tiny-model"], dryRun: true },
});

const PruneOutcomeSchema = z.object({
  dryRun: z.boolean(),
  keep: z.number(),
  repos: z.array(z.object({
    repo: z.string(),
    type: repoType,
    revisions: z.array(z.string()),
    refs: z.array(z.string()),
    blobs: z.array(z.string()),
    bytes: z.number(),
    kept: z.array(z.string()),
  })),
  bytesFreed: z.number(),
}).openapi("CachePruneOutcome", {
  example: {
    dryRun: true,
    keep: 1,
    repos: [{
      repo: "acme/tiny-model",
      type: "model",
      revisions: ["0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"],
      refs: [],
      blobs: ["9c4e7a0f2b3d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"],
      bytes: 2_097_165,
      kept: [],
    }],
    bytesFreed: 2_097_165,
  },
});

const VerifyInput = z.strictObject({
  repos: RepoList,
  repair: z.boolean().optional(),
}).openapi("CacheVerifyInput", {
  example: { repos: ["datasets/acme/tiny-data"], repair: true },
});

const routes = {
  show: createRoute({
    method: "get",
    path: "/cache",
    tags: ["cache"],
    summary: "The hub cache: repos, revisions, sizes, disk free",
    security: bearerSecurity,
    request: { query: z.strictObject({}) },
    responses: { 200: jsonResponse(CacheSchema, "the cache"), ...errorResponses(401, 422) },
  }),
  prune: createRoute({
    method: "post",
    path: "/cache/prune",
    tags: ["cache"],
    summary: "Keep the newest N revisions of each repo (and any a ref names)",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { body: jsonRequest(PruneInput) },
    responses: {
      200: jsonResponse(PruneOutcomeSchema, "what was (dryRun: would be) removed"),
      ...errorResponses(400, 401, 413, 415, 422),
    },
  }),
  verify: createRoute({
    method: "post",
    path: "/cache/verify",
    tags: ["cache"],
    summary: "Re-hash every blob against its name (optionally repair); runs as a run",
    security: bearerSecurity,
    middleware: [jsonBody()] as const,
    request: { body: jsonRequest(VerifyInput) },
    responses: {
      202: jsonResponse(RunSchema, "accepted; the run (follow /runs/{id}/events)"),
      ...errorResponses(400, 401, 413, 415, 422),
    },
  }),
};

/** What the cache routes need. */
interface CacheRouteDeps {
  config: Pick<Config, "hubCache">;
  kv: Deno.Kv;
  service: ScheduleService;
  logger: Logger;
}

/** The `/cache` routes, to mount under `/api/v1`. */
export function cacheRoutes(deps: CacheRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(routes.show, async (c) => c.json(await cacheReport(deps.config.hubCache), 200));
  app.openapi(routes.prune, async (c) => {
    const body = c.req.valid("json");
    const outcome = await pruneCache({
      root: deps.config.hubCache,
      keep: body.keep,
      repos: (body.repos ?? []).map((r) => parseRepoArg(r, false)),
      dryRun: body.dryRun ?? false,
      kv: deps.kv,
      logger: deps.logger,
    });
    return c.json(outcome, 200);
  });
  app.openapi(routes.verify, async (c) => {
    const body = c.req.valid("json");
    const run = await deps.service.startCacheVerify({
      repos: body.repos ?? [],
      repair: body.repair ?? false,
    });
    return c.json(run as z.infer<typeof RunSchema>, 202);
  });
  return app;
}
