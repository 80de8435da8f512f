/**
 * The one schema of what people send: schedule, download and time-window bodies as zod schemas,
 * with every type and limit in one place. The HTTP API validates requests and publishes its
 * OpenAPI document from them; the schedule service runs the same schemas on every body it gets
 * (config file, declared schedules) except the very objects the API's validation returned, so
 * each body is parsed once, then checks meaning only (the cron parses, the zone exists, the
 * source is one we can fetch).
 *
 * @example
 * ```ts
 * const body = parseInput(ScheduleInputSchema, input, "schedule");
 * ```
 * @module
 */
import { z } from "@hono/zod-openapi";
import { validationError } from "./input_errors.ts";

const text = (max: number) => z.string().min(1).max(max);

/** Most globs in `include` or `exclude` (each up to 1024 characters). */
export const MAX_GLOBS = 256;

/** A date-time string, as the API shows instants. */
export const instant = z.string().openapi({
  format: "date-time",
  example: "2026-11-22T02:00:00.000Z",
});

/** A time window as people write it (`PUT /schedules/{id}/time-window`, `/validate`). */
export const TIME_WINDOW_INPUT_EXAMPLE = {
  windows: ["22:00-07:00"],
  timezone: "Europe/Berlin",
  onEnd: "pause",
};

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
  include: z.array(text(1024)).max(MAX_GLOBS).optional(),
  exclude: z.array(text(1024)).max(MAX_GLOBS).optional(),
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
  secret: text(1024).optional(),
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

/** Every field of a schedule body, each with its type and limits. */
export const scheduleFields = {
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

// What each body schema produced: the API validates a request with the schema (its clone
// with OpenAPI metadata shares this check), and the service need not run it again on the very
// object the parse returned. Config files and declared schedules are plain objects: checked.
const produced = new WeakMap<z.ZodType, WeakSet<object>>();

/** `schema` that remembers each object it returns, for {@link parseInput} to skip. */
function remembering<T extends z.ZodObject>(schema: T): T {
  const made = new WeakSet<object>();
  // added last, after every other check: a value with any issue is never returned
  const out = schema.check((ctx) => {
    if (ctx.issues.length === 0) made.add(ctx.value as object);
  }) as T;
  produced.set(out, made);
  return out;
}

/** Body of a schedule (`POST /schedules`, `PUT /schedules/{id}`, a config file's schedule). */
export const ScheduleInputSchema = remembering(z.strictObject(scheduleFields));

/** Body of a one-off download: a schedule without its trigger, description and labels. */
export const DownloadInputSchema = remembering(z.strictObject(
  (({ trigger: _t, description: _d, labels: _l, ...rest }) => rest)(scheduleFields),
));

/**
 * `input` checked against `schema`: its parsed value, or the NightpullError the API would
 * answer (`unknown_field` / `invalid_input` naming the first offending field). `what` names
 * the body in messages ("schedule", "download"). A value this schema (or its OpenAPI clone)
 * returned itself, as the API's validated body, is returned as it is, not checked twice.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what: string,
): z.infer<T> {
  if (typeof input === "object" && input !== null && produced.get(schema)?.has(input)) {
    return input as z.infer<T>;
  }
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, what);
  return result.data;
}
