/**
 * zod schemas of what clients send the HTTP API: request bodies (strict: an unknown field is an
 * error, not silently dropped), path and query parameters. Structure and types are checked
 * here; meaning (a cron that parses, a zone that exists, a source scheme) is checked by the
 * schedule service, which owns those rules. What the API answers is in `view_schemas.ts`.
 *
 * @example
 * ```ts
 * const input = ScheduleInputSchema.parse(await req.json());
 * ```
 * @module
 */
import { z } from "@hono/zod-openapi";
import {
  DOWNLOAD_INPUT_EXAMPLE,
  SCHEDULE_INPUT_EXAMPLE,
  SCHEDULE_PATCH_EXAMPLE,
  TIME_WINDOW_INPUT_EXAMPLE,
} from "./examples.ts";

const text = (max: number) => z.string().min(1).max(max);
/** A date-time string, as the API shows instants. */
export const instant = z.string().openapi({
  format: "date-time",
  example: "2026-11-22T02:00:00.000Z",
});

/** Schedule and run ids: what the service generates (ULIDs), with some room. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Path parameter `{id}`. */
export const IdParam = z.strictObject({
  id: z.string().regex(ID_PATTERN, "ids are 1 to 64 letters, digits, '-' or '_'").openapi({
    param: { name: "id", in: "path" },
    example: "01JD7S3W5X9QK2M8V4N6R0T1YB",
  }),
});

/**
 * A whole-number query parameter from `min` to `max`. A repeated (`?limit=1&limit=500`),
 * empty or non-numeric value gets one message saying what was wrong and what would be right,
 * not what a number check makes of an array or an empty string.
 */
const wholeNumberQuery = (min: number, max: number) => {
  const expected = `expected a whole number from ${min} to ${max}`;
  return z.preprocess((value: unknown, ctx: z.RefinementCtx) => {
    if (value === undefined) return value;
    let problem: string | null = null;
    if (Array.isArray(value)) problem = `given ${value.length} times; give it once`;
    else if (value === "") problem = "empty; give a value or leave it out";
    else if (typeof value !== "string" || !/^[0-9]{1,9}$/.test(value)) {
      problem = `got ${JSON.stringify(value)}`;
    } else if (Number(value) < min || Number(value) > max) problem = `got ${value}`;
    if (problem === null) return Number(value);
    ctx.addIssue({ code: "custom", message: `${problem} (${expected})`, input: value });
    return z.NEVER;
  }, z.number().int().min(min).max(max).optional());
};

/** `limit` query parameter: 1 to 100, default 20. */
export const LimitQuery = wholeNumberQuery(1, 100).openapi({
  param: { name: "limit", in: "query" },
  type: "integer",
  minimum: 1,
  maximum: 100,
  example: 20,
});

/** `cursor` query parameter: the `nextCursor` of a previous page. */
export const CursorQuery = z.string().min(1).max(1024).optional().openapi({
  param: { name: "cursor", in: "query" },
  example: "MDFKRDdTM1c1WDlRSzJNOFY0TjZSMFQxWUI",
});

/** A `true`/`false` query flag. */
export const FlagQuery = (name: string) =>
  z.enum(["true", "false"]).optional().openapi({ param: { name, in: "query" }, example: "true" });

/** When a schedule fires. */
export const TriggerSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("cron"),
    expression: text(256).openapi({ example: "0 2 * * *" }),
    timezone: text(64).optional().openapi({ example: "Europe/Berlin" }),
  }),
  z.strictObject({
    type: z.literal("interval"),
    every: text(32).openapi({ example: "6h" }),
    startAt: instant.optional(),
  }),
  z.strictObject({
    type: z.literal("once"),
    at: text(64).openapi({ example: "2026-12-24T18:00:00+01:00" }),
  }),
]).openapi("Trigger");

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** A schedule's time windows. */
export const TimeWindowSchema = z.strictObject({
  windows: z.array(z.strictObject({
    start: text(5).openapi({ example: "22:00" }),
    end: text(5).openapi({ example: "07:00" }),
    days: z.array(z.enum(WEEKDAYS)).max(7).optional(),
  })).min(1).max(32),
  timezone: text(64).optional(),
  onEnd: z.enum(["continue", "pause"]).optional(),
}).openapi("TimeWindow");

/** Retry policy fields; omitted ones take the server's defaults. */
export const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(100),
  backoff: text(32),
  factor: z.number().min(1).max(10),
  maxBackoff: text(32),
}).partial().openapi("RetryPolicy");

/** What to download: the fields shared by schedules and one-off downloads. */
export const DownloadFields = {
  source: text(2048).openapi({ example: "hf:openai-community/gpt2@main" }),
  include: z.array(text(1024)).max(256).optional(),
  exclude: z.array(text(1024)).max(256).optional(),
  layout: z.enum(["hf-cache", "local-dir"]).optional(),
  dir: text(4096).optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hex digits").optional(),
  filename: text(255).optional(),
  connections: z.number().int().min(1).max(32).optional(),
  verify: z.enum(["changed", "always"]).optional().openapi({
    description: 'Hash again before trusting present files: "changed" (default: files whose ' +
      'size, mtime or inode differ from the record) or "always" (every present file).',
  }),
  keepRevisions: z.number().int().min(1).max(10_000).optional().openapi({
    description: "hf-cache: snapshots of the repo kept after a successful run (absent: all)",
    example: 2,
  }),
  prune: z.boolean().optional().openapi({
    description: "local-dir: delete files nightpull wrote that the new commit no longer has",
  }),
};

/** Webhook as given: the secret is write-only. */
export const WebhookInput = z.strictObject({
  // not z.url(): it silently drops CR/LF, turning a header-injection attempt into a stored URL;
  // the service parses the URL itself and refuses schemes, credentials and control characters
  url: z.string().max(2048).regex(
    // no flags: the OpenAPI document publishes the source alone, where "/i" would be literal
    // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
    /^[hH][tT][tT][pP][sS]?:\/\/[^\x00-\x20\x7f]+$/,
    "expected an http:// or https:// URL without spaces or control characters",
  ).openapi({ format: "uri" }),
  secret: text(512).optional(),
});

const DaysInput = z.union([
  text(64).openapi({ example: "mon-fri" }),
  z.array(text(16)).min(1).max(14),
]).openapi({ description: 'day names, ranges ("mon-fri", "sat-mon") or "weekdays"/"weekends"' });

/** One window range as people write it: an object, days as text or a list. */
export const WindowRangeInputSchema = z.strictObject({
  start: text(5).openapi({ example: "22:00" }),
  end: text(5).openapi({ example: "07:00" }),
  days: DaysInput.optional(),
});

/** A window as people write it: ranges as `"22:00-07:00"` or objects, days as text or a list. */
export const TimeWindowInputSchema = z.strictObject({
  windows: z.array(z.union([
    text(16).openapi({ example: "22:00-07:00" }),
    WindowRangeInputSchema,
  ])).min(1).max(32),
  timezone: text(64).optional().openapi({ example: "Europe/Berlin" }),
  onEnd: z.enum(["continue", "pause"]).optional(),
}).openapi("TimeWindowInput", { example: TIME_WINDOW_INPUT_EXAMPLE });

/** Labels: `{"team": "nlp"}`; keys without `:` (the list filter is `?label=team:nlp`). */
export const LabelsSchema = z.record(
  z.string().regex(
    /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/,
    "label keys are 1 to 63 letters, digits, '_', '.', '/' or '-'",
  ),
  text(128),
).openapi({ example: { team: "nlp" } });

const scheduleFields = {
  ...DownloadFields,
  name: text(200).optional().openapi({
    example: "gpt2-nightly",
    description: "unique among schedules that are not deleted (default: the repo or file name)",
  }),
  description: z.string().max(2000).optional().openapi({
    example: "GPT-2 weights for the nightly eval",
  }),
  labels: LabelsSchema.optional(),
  priority: z.number().int().min(1).max(10).optional().openapi({
    example: 5,
    description: "1-10, default 5: when --max-downloads holds runs back, higher starts first",
  }),
  trigger: TriggerSchema,
  timeWindow: TimeWindowInputSchema.optional(),
  retry: RetrySchema.optional(),
  misfireGrace: text(32).optional().openapi({ example: "10m" }),
  overlap: z.enum(["skip", "queue"]).optional(),
  webhook: WebhookInput.optional(),
  bandwidth: text(32).optional(),
};

/** Body of `POST /schedules` and `PUT /schedules/{id}`. */
export const ScheduleInputSchema = z.strictObject(scheduleFields).openapi("ScheduleInput", {
  example: SCHEDULE_INPUT_EXAMPLE,
});

/** Body of `PATCH /schedules/{id}`: any subset of the fields; `null` removes an optional one. */
export const SchedulePatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(scheduleFields).map(([k, v]) => [
      k,
      k === "source" || k === "trigger" ? v.optional() : v.nullable().optional(),
    ]),
  ) as {
    [K in keyof typeof scheduleFields]: z.ZodOptional<z.ZodNullable<typeof scheduleFields[K]>>;
  },
).openapi("SchedulePatch", { example: SCHEDULE_PATCH_EXAMPLE });

/** Body of `POST /downloads`: a schedule without its trigger, description and labels. */
export const DownloadInputSchema = z.strictObject(
  (({ trigger: _t, description: _d, labels: _l, ...rest }) => rest)(scheduleFields),
).openapi("DownloadInput", { example: DOWNLOAD_INPUT_EXAMPLE });
