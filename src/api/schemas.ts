/**
 * zod schemas of what clients send the HTTP API: path and query parameters here; request bodies
 * (strict: an unknown field is an error, not silently dropped) come from the schedule service's
 * one input schema (`schedule/service/input_schema.ts`), named and given examples here. Structure and types are checked
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
import { PAGE_DEFAULT, PAGE_MAX } from "../store/page.ts";
import {
  DOWNLOAD_INPUT_EXAMPLE,
  SCHEDULE_INPUT_EXAMPLE,
  SCHEDULE_PATCH_EXAMPLE,
} from "./examples.ts";
import {
  DownloadInputSchema as DownloadBody,
  scheduleFields,
  ScheduleInputSchema as ScheduleBody,
} from "../schedule/service/input_schema.ts";

// the bodies' schemas live with the service that applies them (one schema for every caller)
export {
  DownloadFields,
  instant,
  LabelsSchema,
  RetrySchema,
  TimeWindowInputSchema,
  TriggerSchema,
  WebhookInput,
  WindowRangeInputSchema,
} from "../schedule/service/input_schema.ts";

const text = (max: number) => z.string().min(1).max(max);

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

/** `limit` query parameter: 1 to PAGE_MAX (200), default 20: the store's own bounds. */
export const LimitQuery = wholeNumberQuery(1, PAGE_MAX).openapi({
  param: { name: "limit", in: "query" },
  type: "integer",
  minimum: 1,
  maximum: PAGE_MAX,
  example: PAGE_DEFAULT,
});

/** `cursor` query parameter: the `nextCursor` of a previous page. */
export const CursorQuery = z.string().min(1).max(1024).optional().openapi({
  param: { name: "cursor", in: "query" },
  example: "MDFKRDdTM1c1WDlRSzJNOFY0TjZSMFQxWUI",
});

/** A `true`/`false` query flag. */
export const FlagQuery = (name: string) =>
  z.enum(["true", "false"]).optional().openapi({ param: { name, in: "query" }, example: "true" });

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

/** Body of `POST /schedules` and `PUT /schedules/{id}`. */
export const ScheduleInputSchema = ScheduleBody.openapi("ScheduleInput", {
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
export const DownloadInputSchema = DownloadBody.openapi("DownloadInput", {
  example: DOWNLOAD_INPUT_EXAMPLE,
});
