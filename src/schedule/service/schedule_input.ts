/**
 * A user's schedule (or one-off download) body -> the stored fields, with defaults. Every
 * check throws a NightpullError whose `details.field` names the offending field, before
 * anything is written. The parts are checked by ./spec_input.ts (what to download),
 * ./schedule_meta_input.ts (name, description, labels, priority), ./retry_input.ts,
 * ./webhook_input.ts, the trigger and the time window.
 *
 * @example
 * ```ts
 * const fields = normalizeScheduleInput(body, new Date(), config);
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import { parseBandwidth } from "../../time/bandwidth.ts";
import { parseSource } from "../../download/source/source.ts";
import { parseDuration } from "../../time/duration.ts";
import type {
  DownloadSpec,
  RetryPolicy,
  Schedule,
  TimeWindow,
  Trigger,
} from "../../store/records.ts";
import { DEFAULT_PRIORITY } from "../runs/run_defaults.ts";
import { normalizeTimeWindow, type TimeWindowInput } from "../window/time_window_input.ts";
import { validateTrigger } from "../trigger/trigger.ts";
import { asObject, checkKnown, invalid, requireSource, text } from "./input_checks.ts";
import { normalizeRetry } from "./retry_input.ts";
import {
  defaultName,
  normalizeDescription,
  normalizeLabels,
  normalizePriority,
} from "./schedule_meta_input.ts";
import { normalizeSpec } from "./spec_input.ts";
import { normalizeWebhook } from "./webhook_input.ts";
import { DownloadInputSchema, parseInput, ScheduleInputSchema } from "./input_schema.ts";

/** A schedule as a user sends it (POST/PUT /schedules). */
export interface ScheduleInput {
  name?: string;
  description?: string;
  labels?: Record<string, string>;
  priority?: number;
  source: string;
  include?: string[];
  exclude?: string[];
  layout?: DownloadSpec["layout"];
  dir?: string;
  sha256?: string;
  filename?: string;
  connections?: number;
  verify?: "changed" | "always";
  keepRevisions?: number;
  prune?: boolean;
  trigger: Trigger;
  timeWindow?: TimeWindowInput;
  retry?: Partial<RetryPolicy>;
  misfireGrace?: string;
  overlap?: "skip" | "queue";
  webhook?: { url: string; secret?: string };
  bandwidth?: string;
}

/** The stored part of a schedule that comes from the user's input. */
export type ScheduleFields = Omit<Schedule, "id" | "status" | "createdAt" | "updatedAt">;

/** A one-off download's checked body. */
export interface DownloadInput {
  spec: DownloadSpec;
  retry: RetryPolicy;
  priority: number;
  webhook?: { url: string; secret?: string };
  timeWindow?: TimeWindow;
}

/** Default misfire grace. */
const DEFAULT_MISFIRE_GRACE = "10m";

const SPEC_FIELDS = [
  "source",
  "include",
  "exclude",
  "layout",
  "dir",
  "sha256",
  "filename",
  "connections",
  "verify",
  "keepRevisions",
  "prune",
];
const SCHEDULE_FIELDS = [
  "name",
  "description",
  "labels",
  "priority",
  ...SPEC_FIELDS,
  "trigger",
  "timeWindow",
  "retry",
  "misfireGrace",
  "overlap",
  "webhook",
  "bandwidth",
];
// a one-off download takes a schedule's body without its trigger (and what only lists show)
const DOWNLOAD_FIELDS = SCHEDULE_FIELDS.filter((f) =>
  f !== "trigger" && f !== "description" && f !== "labels"
);

/** An `overlap` value: `"skip"` or `"queue"`, else `invalid_input` naming the field. */
function overlapOf(value: unknown): "skip" | "queue" {
  if (value !== "skip" && value !== "queue") {
    throw invalid(
      "overlap",
      `invalid overlap ${JSON.stringify(value)}: expected "skip" or "queue"`,
    );
  }
  return value;
}

/** A `bandwidth` value, checked by {@link parseBandwidth} (which throws), trimmed. */
function bandwidthOf(value: unknown): string {
  parseBandwidth(value as string);
  return (value as string).trim();
}

/** Validates a whole schedule input and fills in defaults; writes nothing. */
export function normalizeScheduleInput(input: unknown, now: Date, config: Config): ScheduleFields {
  const obj = asObject(input, "schedule");
  // the service's own words first for the likeliest mistakes (a config file has no OpenAPI
  // document to point to), then the one schema for every type and limit (skipped for the
  // body the API's validation returned: it passed the same schema)
  checkKnown(obj, SCHEDULE_FIELDS, "schedule");
  requireSource(obj);
  if (obj.trigger === undefined) {
    throw invalid(
      "trigger",
      'trigger is required, e.g. {"type": "cron", "expression": "0 2 * * *"}',
    );
  }
  parseInput(ScheduleInputSchema, obj, "schedule");
  const spec = normalizeSpec(obj);
  const fields: ScheduleFields = {
    ...spec,
    name: obj.name === undefined
      ? defaultName(parseSource(spec.source))
      : text(obj.name, "name", 200),
    trigger: validateTrigger(obj.trigger, now, config.timezone),
    retry: normalizeRetry(obj.retry),
    misfireGrace: DEFAULT_MISFIRE_GRACE,
    overlap: "skip",
    priority: obj.priority === undefined ? DEFAULT_PRIORITY : normalizePriority(obj.priority),
  };
  if (obj.description !== undefined) fields.description = normalizeDescription(obj.description);
  if (obj.labels !== undefined) fields.labels = normalizeLabels(obj.labels);
  if (obj.misfireGrace !== undefined) {
    parseDuration(obj.misfireGrace, "misfireGrace");
    fields.misfireGrace = (obj.misfireGrace as string).trim();
  }
  if (obj.overlap !== undefined) fields.overlap = overlapOf(obj.overlap);
  if (obj.timeWindow !== undefined) fields.timeWindow = normalizeTimeWindow(obj.timeWindow);
  if (obj.webhook !== undefined) fields.webhook = normalizeWebhook(obj.webhook);
  if (obj.bandwidth !== undefined) fields.bandwidth = bandwidthOf(obj.bandwidth);
  return fields;
}

/** Validates a one-off download body (a schedule without trigger and timing fields). */
export function normalizeDownloadInput(input: unknown): DownloadInput {
  const obj = asObject(input, "download");
  checkKnown(obj, DOWNLOAD_FIELDS, "download");
  requireSource(obj);
  parseInput(DownloadInputSchema, obj, "download");
  const out: DownloadInput = {
    spec: normalizeSpec(obj),
    retry: normalizeRetry(obj.retry),
    priority: obj.priority === undefined ? DEFAULT_PRIORITY : normalizePriority(obj.priority),
  };
  // name, misfireGrace and overlap mean nothing for one run but must still be valid
  if (obj.name !== undefined) text(obj.name, "name", 200);
  if (obj.misfireGrace !== undefined) parseDuration(obj.misfireGrace, "misfireGrace");
  if (obj.overlap !== undefined) overlapOf(obj.overlap);
  if (obj.bandwidth !== undefined) out.spec.bandwidth = bandwidthOf(obj.bandwidth);
  if (obj.timeWindow !== undefined) out.timeWindow = normalizeTimeWindow(obj.timeWindow);
  if (obj.webhook !== undefined) out.webhook = normalizeWebhook(obj.webhook);
  return out;
}
