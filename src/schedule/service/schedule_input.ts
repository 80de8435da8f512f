/**
 * A user's schedule (or one-off download) body -> the stored fields, with defaults. Every
 * check throws a NightpullError whose `details.field` names the offending field, before
 * anything is written.
 *
 * @example
 * ```ts
 * const fields = normalizeScheduleInput(body, new Date(), config);
 * ```
 * @module
 */
import { isAbsolute } from "node:path";
import type { Config } from "../../config.ts";
import { parseBandwidth } from "../../time/bandwidth.ts";
import { parseSource, type Source } from "../../download/source/source.ts";
import { BIDI_CONTROL } from "../../download/layout/safe_path.ts";
import { registerSecret } from "../../secrets.ts";
import { NightpullError } from "../../errors.ts";
import { parseDuration } from "../../time/duration.ts";
import type {
  DownloadSpec,
  RetryPolicy,
  Schedule,
  TimeWindow,
  Trigger,
} from "../../store/records.ts";
import { normalizeTimeWindow, type TimeWindowInput } from "../window/time_window_input.ts";
import { validateTrigger } from "../trigger/trigger.ts";

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

/** Defaults of DESIGN.md: a failed run is retried up to 3 times (4 attempts in all). */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  backoff: "30s",
  factor: 2,
  maxBackoff: "30m",
};
/** Default misfire grace. */
export const DEFAULT_MISFIRE_GRACE = "10m";
/** Priority of a schedule or download that names none (and of records older than the field). */
export const DEFAULT_PRIORITY = 5;
/** Most labels one schedule may carry. */
export const MAX_LABELS = 32;
/** A label key: letters, digits, `_ . / -`, starting with a letter or digit (no `:`). */
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/;

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
// deno-lint-ignore no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\x00-\x1f\x7f]/;

function invalid(field: string, message: string): NightpullError {
  return new NightpullError("invalid_input", message, { field });
}

function checkKnown(input: Record<string, unknown>, allowed: string[], what: string): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw new NightpullError(
        "unknown_field",
        `unknown field "${key}" in a ${what}; allowed: ${allowed.join(", ")}`,
        { field: key },
      );
    }
  }
}

function text(value: unknown, field: string, max: number): string {
  if (
    typeof value !== "string" || !value.trim() || value.length > max || CONTROL.test(value) ||
    // a lone surrogate ("\ud800" in JSON) cannot be written as UTF-8 to logs, files or clients
    !value.isWellFormed()
  ) {
    throw invalid(
      field,
      `invalid ${field}: expected a non-empty string of at most ${max} characters without ` +
        "control characters or lone surrogates",
    );
  }
  if (BIDI_CONTROL.test(value)) {
    throw invalid(
      field,
      `invalid ${field}: it contains a bidirectional control character (U+202A-U+202E, ` +
        "U+2066-U+2069), which would make it display differently from what it is",
    );
  }
  return value;
}

function globs(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > 1000) {
    throw invalid(field, `invalid ${field}: expected a list of glob patterns such as ["*.json"]`);
  }
  return value.map((g, i) => text(g, `${field}[${i}]`, 1000));
}

/** A description: free text of up to 2000 characters; line breaks and tabs are fine. */
function description(value: unknown): string {
  if (
    typeof value !== "string" || value.length > 2000 ||
    // deno-lint-ignore no-control-regex -- control characters other than \t \n \r are refused
    /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value) || !value.isWellFormed()
  ) {
    throw invalid(
      "description",
      "invalid description: expected text of at most 2000 characters without control characters",
    );
  }
  return value;
}

/** Labels: `{"team": "nlp"}`, at most MAX_LABELS, keys as LABEL_KEY, values short text. */
export function normalizeLabels(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("labels", 'invalid labels: expected an object of texts such as {"team": "nlp"}');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_LABELS) {
    throw invalid("labels", `invalid labels: ${entries.length} labels, at most ${MAX_LABELS}`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!LABEL_KEY.test(key)) {
      throw invalid(
        `labels.${key}`,
        `invalid label key ${JSON.stringify(key)}: expected 1 to 63 letters, digits, ` +
          "'_', '.', '/' or '-', starting with a letter or digit",
      );
    }
    out[key] = text(v, `labels.${key}`, 128);
  }
  return out;
}

/** A priority: a whole number from 1 to 10 (higher starts first). */
export function normalizePriority(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 10) {
    throw invalid(
      "priority",
      `invalid priority ${JSON.stringify(value)}: expected a whole number from 1 to 10 ` +
        `(default ${DEFAULT_PRIORITY}; higher starts first)`,
    );
  }
  return value;
}

/** Name for a schedule that has none: the repo name (with a non-main revision) or file name. */
export function defaultName(source: Source): string {
  if (source.kind === "hf") {
    const name = source.repoId.split("/").pop()!;
    return source.revision === "main" ? name : `${name}@${source.revision}`;
  }
  const last = source.url.pathname.split("/").filter(Boolean).pop();
  return last ? decodeURIComponent(last).slice(0, 100) : source.url.hostname;
}

/** Checks a webhook target: http(s) URL without CR/LF or credentials, optional secret. */
export function normalizeWebhook(value: unknown): { url: string; secret?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("webhook", 'invalid webhook: expected {"url": "https://...", "secret"?: "..."}');
  }
  const w = value as Record<string, unknown>;
  checkKnown(w, ["url", "secret"], "webhook");
  const raw = w.url;
  let url: URL | null = null;
  if (typeof raw === "string" && !CONTROL.test(raw) && raw.length <= 2048) {
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
  }
  if (
    !url || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password
  ) {
    throw invalid(
      "webhook.url",
      `invalid webhook.url ${JSON.stringify(raw)}: expected an http:// or https:// URL without ` +
        "credentials or line breaks",
    );
  }
  const out: { url: string; secret?: string } = { url: raw as string };
  if (typeof w.secret === "string") registerSecret(w.secret);
  if (w.secret !== undefined) {
    if (typeof w.secret !== "string" || w.secret.length < 1 || w.secret.length > 1024) {
      throw invalid(
        "webhook.secret",
        "invalid webhook.secret: expected a string of 1 to 1024 characters",
      );
    }
    out.secret = w.secret;
  }
  return out;
}

/** A full retry policy from a partial one; throws naming `retry.<field>`. */
export function normalizeRetry(value: unknown): RetryPolicy {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(
      "retry",
      'invalid retry: expected {"attempts": 3, "backoff": "30s", "factor": 2, "maxBackoff": "30m"}',
    );
  }
  const r = value as Record<string, unknown>;
  checkKnown(r, ["attempts", "backoff", "factor", "maxBackoff"], "retry policy");
  const policy = { ...DEFAULT_RETRY, ...r } as RetryPolicy;
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.attempts > 100) {
    throw invalid(
      "retry.attempts",
      `invalid retry.attempts ${
        JSON.stringify(policy.attempts)
      }: expected a whole number from 1 to 100`,
    );
  }
  if (typeof policy.factor !== "number" || !(policy.factor >= 1 && policy.factor <= 10)) {
    throw invalid(
      "retry.factor",
      `invalid retry.factor ${JSON.stringify(policy.factor)}: expected a number from 1 to 10`,
    );
  }
  const backoff = parseDuration(policy.backoff, "retry.backoff");
  const max = parseDuration(policy.maxBackoff, "retry.maxBackoff");
  if (max < backoff) {
    throw invalid(
      "retry.maxBackoff",
      `invalid retry.maxBackoff "${policy.maxBackoff}": shorter than retry.backoff "${policy.backoff}"`,
    );
  }
  return policy;
}

/**
 * A target directory: absolute and without `..` segments, since a server resolves nothing
 * against its own working directory and a traversal in a destination is refused outright.
 */
function targetDir(value: unknown): string {
  const dir = text(value, "dir", 4096);
  if (!isAbsolute(dir) || dir.split(/[\\/]/).includes("..")) {
    throw invalid(
      "dir",
      `invalid dir ${JSON.stringify(dir)}: expected an absolute path without ".." segments, ` +
        'e.g. "/srv/models/gpt2"',
    );
  }
  return dir;
}

/** The download part of an input (source, globs, layout, target), with defaults. */
export function normalizeSpec(input: Record<string, unknown>): DownloadSpec {
  const sourceText = typeof input.source === "string" ? input.source.trim() : input.source;
  const source = parseSource(sourceText as string);
  const spec: DownloadSpec = {
    source: sourceText as string,
    include: input.include === undefined ? ["*"] : globs(input.include, "include"),
    exclude: input.exclude === undefined ? [] : globs(input.exclude, "exclude"),
    layout: "hf-cache",
  };
  if (input.dir !== undefined) spec.dir = targetDir(input.dir);
  if (source.kind === "hf") {
    if (input.layout !== undefined && input.layout !== "hf-cache" && input.layout !== "local-dir") {
      throw invalid(
        "layout",
        `invalid layout ${JSON.stringify(input.layout)}: expected "hf-cache" or "local-dir"`,
      );
    }
    spec.layout = (input.layout as DownloadSpec["layout"]) ?? "hf-cache";
    if (spec.layout === "local-dir" && !spec.dir) {
      throw invalid("dir", 'layout "local-dir" needs "dir": the directory the files go to');
    }
    for (const field of ["sha256", "filename"]) {
      if (input[field] !== undefined) {
        throw invalid(
          field,
          `${field} applies to URL sources only; hub files are verified from the listing`,
        );
      }
    }
  } else {
    if (input.layout !== undefined) {
      throw invalid(
        "layout",
        'layout applies to hf sources only; a URL downloads into "dir" (default <data>/downloads)',
      );
    }
    // URL files land as plain files in dir (or the downloads dir)
    spec.layout = "local-dir";
    if (input.sha256 !== undefined) {
      if (typeof input.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(input.sha256)) {
        throw invalid(
          "sha256",
          `invalid sha256 ${JSON.stringify(input.sha256)}: expected 64 hex characters`,
        );
      }
      spec.sha256 = input.sha256.toLowerCase();
    }
    if (input.filename !== undefined) {
      const name = text(input.filename, "filename", 255);
      if (name.includes("/") || name.includes("\\") || name === "." || name === "..") {
        throw invalid(
          "filename",
          `invalid filename ${JSON.stringify(name)}: expected a plain file name without slashes`,
        );
      }
      spec.filename = name;
    }
  }
  if (input.connections !== undefined) {
    const c = input.connections;
    if (typeof c !== "number" || !Number.isInteger(c) || c < 1 || c > 32) {
      throw invalid(
        "connections",
        `invalid connections ${JSON.stringify(c)}: expected a whole number from 1 to 32`,
      );
    }
    spec.connections = c;
  }
  if (input.verify !== undefined) {
    if (input.verify !== "changed" && input.verify !== "always") {
      throw invalid(
        "verify",
        `invalid verify ${JSON.stringify(input.verify)}: expected "changed" (hash files whose ` +
          `size, mtime or inode changed) or "always" (hash every present file)`,
      );
    }
    spec.verify = input.verify;
  }
  retentionFields(input, spec);
  return spec;
}

/** `keepRevisions` (hf-cache) and `prune` (local-dir), each only where it means something. */
function retentionFields(input: Record<string, unknown>, spec: DownloadSpec): void {
  const hub = parseSource(spec.source).kind === "hf";
  if (input.keepRevisions !== undefined) {
    const k = input.keepRevisions;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 10_000) {
      throw invalid(
        "keepRevisions",
        `invalid keepRevisions ${JSON.stringify(k)}: expected a whole number from 1 to 10000 ` +
          "(leave it out to keep every revision)",
      );
    }
    if (!hub || spec.layout !== "hf-cache") {
      throw invalid(
        "keepRevisions",
        'keepRevisions applies to hf sources in the "hf-cache" layout; for a local dir use ' +
          '"prune": true',
      );
    }
    spec.keepRevisions = k;
  }
  if (input.prune !== undefined) {
    if (typeof input.prune !== "boolean") {
      throw invalid(
        "prune",
        `invalid prune ${JSON.stringify(input.prune)}: expected true or false`,
      );
    }
    if (!hub || spec.layout !== "local-dir") {
      throw invalid(
        "prune",
        'prune applies to hf sources in the "local-dir" layout; in the hf cache use ' +
          '"keepRevisions"',
      );
    }
    if (input.prune) spec.prune = true;
  }
}

function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalid("", `a ${what} must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

/** Throws `invalid_source` when the input has no `source`. */
function requireSource(obj: Record<string, unknown>): void {
  if (obj.source === undefined) {
    throw new NightpullError(
      "invalid_source",
      'source is required, e.g. "hf:openai-community/gpt2@main"',
      { field: "source" },
    );
  }
}

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
  checkKnown(obj, SCHEDULE_FIELDS, "schedule");
  requireSource(obj);
  const spec = normalizeSpec(obj);
  if (obj.trigger === undefined) {
    throw invalid(
      "trigger",
      'trigger is required, e.g. {"type": "cron", "expression": "0 2 * * *"}',
    );
  }
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
  if (obj.description !== undefined) fields.description = description(obj.description);
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
export function normalizeDownloadInput(input: unknown): {
  spec: DownloadSpec;
  retry: RetryPolicy;
  priority: number;
  webhook?: { url: string; secret?: string };
  timeWindow?: TimeWindow;
} {
  const obj = asObject(input, "download");
  checkKnown(obj, DOWNLOAD_FIELDS, "download");
  requireSource(obj);
  const out: ReturnType<typeof normalizeDownloadInput> = {
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
