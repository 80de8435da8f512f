/**
 * zod schemas of what the HTTP API answers: a schedule, its detail, a run, a manifest entry,
 * pages of them and the error body, each with the example the OpenAPI document publishes.
 *
 * @example
 * ```ts
 * const route = { responses: { 200: jsonResponse(pageOf(RunSchema, "RunPage"), "runs") } };
 * ```
 * @module
 */
import { z } from "@hono/zod-openapi";
import {
  ERROR_EXAMPLES,
  MANIFEST_ENTRY_EXAMPLE,
  RUN_EXAMPLE,
  SCHEDULE_DETAIL_EXAMPLE,
  SCHEDULE_EXAMPLE,
} from "./examples.ts";
import { instant, TimeWindowSchema, TriggerSchema } from "./schemas.ts";

/** A schedule as the API shows it (`webhook.secret` is `"***"`). */
export const ScheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  priority: z.number().int().min(1).max(10),
  source: z.string(),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  layout: z.enum(["hf-cache", "local-dir"]),
  dir: z.string().optional(),
  sha256: z.string().optional(),
  filename: z.string().optional(),
  connections: z.number().optional(),
  verify: z.enum(["changed", "always"]).optional(),
  keepRevisions: z.number().optional(),
  prune: z.boolean().optional(),
  trigger: TriggerSchema,
  timeWindow: TimeWindowSchema.optional(),
  retry: z.object({
    attempts: z.number(),
    backoff: z.string(),
    factor: z.number(),
    maxBackoff: z.string(),
  }),
  misfireGrace: z.string(),
  overlap: z.enum(["skip", "queue"]),
  webhook: z.object({ url: z.string(), secret: z.string().optional() }).optional(),
  bandwidth: z.string().optional(),
  status: z.enum(["active", "paused", "completed", "deleted"]),
  createdAt: instant,
  updatedAt: instant,
  nextRunAt: instant.nullable().optional().openapi({
    description: "the occurrence the engine fires next (null when paused or ended)",
  }),
}).openapi("Schedule", { example: SCHEDULE_EXAMPLE });

/** Schedule detail: the next five occurrences and run statistics. */
export const ScheduleDetailSchema = ScheduleSchema.extend({
  nextRuns: z.array(instant),
  stats: z.object({
    runs: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    skipped: z.number(),
    successRate: z.number().nullable(),
    meanDurationMs: z.number().nullable(),
  }),
  window: z.object({
    open: z.boolean(),
    nextOpen: instant.nullable(),
    nextClose: instant.nullable(),
  }).optional(),
}).openapi("ScheduleDetail", { example: SCHEDULE_DETAIL_EXAMPLE });

const RunErrorSchema = z.object({ code: z.string(), message: z.string() });

/** One run of the history. */
export const RunSchema = z.object({
  id: z.string(),
  scheduleId: z.string().nullable(),
  plannedAt: instant,
  trigger: z.enum(["schedule", "manual", "retry", "catchup"]),
  status: z.enum([
    "pending",
    "running",
    "waiting_window",
    "succeeded",
    "failed",
    "skipped",
    "cancelled",
  ]),
  reason: z.enum(["outside_window", "missed", "overlap", "interrupted", "offline"]).nullable(),
  attempt: z.number(),
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  commit: z.string().nullable(),
  files: z.object({ total: z.number(), done: z.number(), skipped: z.number() }),
  bytes: z.number(),
  error: RunErrorSchema.nullable(),
  source: z.string().optional(),
  dueAt: instant.nullable().optional(),
  previousAttempts: z.array(z.object({
    attempt: z.number(),
    startedAt: instant.nullable(),
    finishedAt: instant,
    error: RunErrorSchema.nullable(),
  })).optional(),
  missed: z.object({ count: z.number(), first: instant, last: instant }).optional(),
  nextOpen: instant.nullable().optional().openapi({
    description: "outside_window skips and waiting_window runs: when the window opens next",
  }),
  forced: z.boolean().optional().openapi({
    description: "a manual run forced outside its window (it ignores the window)",
  }),
  webhook: z.object({
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number(),
    deliveredAt: instant.optional(),
    httpStatus: z.number().optional(),
    error: z.string().optional(),
  }).optional(),
}).openapi("Run", { example: RUN_EXAMPLE });

/** One downloaded file of the manifest. */
export const ManifestEntrySchema = z.object({
  source: z.string(),
  path: z.string(),
  localPath: z.string(),
  commit: z.string().nullable(),
  revision: z.string().nullable(),
  size: z.number(),
  sha256: z.string(),
  gitSha1: z.string().optional(),
  etag: z.string().nullable(),
  layout: z.enum(["hf-cache", "local-dir", "url"]),
  downloadedAt: instant,
}).openapi("ManifestEntry", { example: MANIFEST_ENTRY_EXAMPLE });

const PAGE_ITEMS: Record<string, unknown> = {
  SchedulePage: SCHEDULE_EXAMPLE,
  RunPage: RUN_EXAMPLE,
  ManifestPage: MANIFEST_ENTRY_EXAMPLE,
};

/** A cursor-paginated list. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name, {
    example: {
      items: PAGE_ITEMS[name] ? [PAGE_ITEMS[name]] : [],
      nextCursor: "MDFKRDdTM1c1WDlRSzJNOFY0TjZSMFQxWUI",
    },
  });

/** The contract's error body. */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_cron" }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
}).openapi("Error", { example: ERROR_EXAMPLES[422] });
