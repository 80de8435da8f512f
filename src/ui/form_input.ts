/**
 * The create/edit form's fields <-> a schedule input. Parsing only shapes the fields (lists,
 * numbers, the trigger of the chosen type); every rule is the service's, so the form shows the
 * same 422 messages as the API. An error's `details.field` is mapped back to the form field
 * that holds it.
 * @module
 */
import type { Schedule, TimeWindow, Trigger, Weekday } from "../store/records.ts";
import type { ScheduleInput } from "../schedule/service/service.ts";
import { WEEKDAYS } from "../schedule/window/time_window_input.ts";

/** Form values by field name (the strings the browser posted). */
export type FormValues = Record<string, string | string[]>;

/** Window rows the form offers (the existing ones plus one empty). */
export const WINDOW_ROWS = 3;

const one = (v: FormValues, k: string): string => {
  const x = v[k];
  return (Array.isArray(x) ? x[0] ?? "" : x ?? "").trim();
};
const list = (v: FormValues, k: string): string[] =>
  one(v, k).split(/\r?\n|,/).map((s) => s.trim()).filter(Boolean);
const many = (v: FormValues, k: string): string[] => {
  const x = v[k];
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
};
/** A number when the text is one, else the text (so the service names what is wrong). */
const numeric = (text: string): number | string =>
  /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;

/** The trigger the form describes (its type's fields only). */
export function triggerOf(v: FormValues): Trigger {
  const type = one(v, "trigger_type") || "cron";
  const tz = one(v, "timezone");
  if (type === "interval") {
    const startAt = one(v, "start_at");
    return { type, every: one(v, "every"), ...(startAt ? { startAt } : {}) };
  }
  if (type === "once") return { type, at: one(v, "at") };
  return { type: "cron", expression: one(v, "cron"), ...(tz ? { timezone: tz } : {}) } as Trigger;
}

function windowOf(v: FormValues): TimeWindow | undefined {
  const windows = [];
  for (let i = 0; i < WINDOW_ROWS; i++) {
    const start = one(v, `win${i}_start`);
    const end = one(v, `win${i}_end`);
    if (!start && !end) continue;
    const days = many(v, `win${i}_days`) as Weekday[];
    windows.push({ start, end, ...(days.length && days.length < 7 ? { days } : {}) });
  }
  if (windows.length === 0) return undefined;
  const tz = one(v, "window_timezone");
  const onEnd = one(v, "on_end") as TimeWindow["onEnd"];
  return { windows, ...(tz ? { timezone: tz } : {}), ...(onEnd ? { onEnd } : {}) };
}

/**
 * The schedule input of the posted form. `existing` (editing) keeps a stored webhook secret when
 * the secret field is left blank.
 */
export function inputOf(v: FormValues, existing?: Schedule): ScheduleInput {
  const input: Record<string, unknown> = { source: one(v, "source"), trigger: triggerOf(v) };
  const set = (key: string, value: unknown) => {
    if (value !== "" && value !== undefined) input[key] = value;
  };
  set("name", one(v, "name"));
  set("description", one(v, "description"));
  const labels = labelsOf(one(v, "labels"));
  if (labels) input.labels = labels;
  if (one(v, "priority")) input.priority = numeric(one(v, "priority"));
  const include = list(v, "include");
  const exclude = list(v, "exclude");
  if (include.length) input.include = include;
  if (exclude.length) input.exclude = exclude;
  set("layout", one(v, "layout"));
  set("dir", one(v, "dir"));
  set("sha256", one(v, "sha256"));
  set("filename", one(v, "filename"));
  set("bandwidth", one(v, "bandwidth"));
  set("misfireGrace", one(v, "misfire_grace"));
  set("overlap", one(v, "overlap"));
  set("timeWindow", windowOf(v));
  const retry: Record<string, unknown> = {};
  if (one(v, "retry_attempts")) retry.attempts = numeric(one(v, "retry_attempts"));
  if (one(v, "retry_backoff")) retry.backoff = one(v, "retry_backoff");
  if (one(v, "retry_factor")) retry.factor = numeric(one(v, "retry_factor"));
  if (one(v, "retry_max_backoff")) retry.maxBackoff = one(v, "retry_max_backoff");
  if (Object.keys(retry).length) input.retry = retry;
  const keep = one(v, "keep_revisions");
  if (keep) input.keepRevisions = numeric(keep);
  const url = one(v, "webhook_url");
  if (url) {
    const secret = one(v, "webhook_secret");
    const kept = !secret && existing?.webhook?.secret ? "***" : secret;
    input.webhook = { url, ...(kept ? { secret: kept } : {}) };
  }
  return input as unknown as ScheduleInput;
}

/** `team=nlp` or `team: nlp` per line -> {"team": "nlp"}; a line without either is a key. */
function labelsOf(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const m = /^([^=:]+)[=:](.*)$/.exec(line);
    if (m) out[m[1].trim()] = m[2].trim();
    else out[line] = "";
  }
  return Object.keys(out).length ? out : undefined;
}

const DIRECT: Record<string, string> = {
  misfireGrace: "misfire_grace",
  "retry.attempts": "retry_attempts",
  "retry.backoff": "retry_backoff",
  "retry.factor": "retry_factor",
  "retry.maxBackoff": "retry_max_backoff",
  retry: "retry_attempts",
  "webhook.url": "webhook_url",
  "webhook.secret": "webhook_secret",
  webhook: "webhook_url",
  "trigger.expression": "cron",
  "trigger.every": "every",
  "trigger.startAt": "start_at",
  "trigger.at": "at",
  "trigger.timezone": "timezone",
  "trigger.type": "trigger_type",
  "timeWindow.timezone": "window_timezone",
  "timeWindow.onEnd": "on_end",
  keepRevisions: "keep_revisions",
};

/** The form field showing an error about `field` (a dotted path of the input). */
export function formFieldOf(field: string, trigger: Trigger): string {
  if (DIRECT[field]) return DIRECT[field];
  const win = /^timeWindow\.windows\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (win) return `win${win[1]}_${win[2] === "end" ? "end" : win[2] === "days" ? "days" : "start"}`;
  if (field.startsWith("timeWindow")) return "win0_start";
  if (field === "trigger" || field.startsWith("trigger.")) {
    return trigger.type === "cron" ? "cron" : trigger.type === "interval" ? "every" : "at";
  }
  const base = /^(\w+)/.exec(field)?.[1] ?? "";
  return [
      "include",
      "exclude",
      "source",
      "name",
      "layout",
      "dir",
      "sha256",
      "filename",
      "bandwidth",
      "overlap",
      "connections",
    ].includes(base)
    ? base
    : "";
}

/** The form values of a stored schedule (for the edit form). */
export function valuesOf(s: Schedule): FormValues {
  const v: FormValues = {
    name: s.name,
    description: s.description ?? "",
    labels: Object.entries(s.labels ?? {}).map(([k, x]) => `${k}=${x}`).join("\n"),
    priority: s.priority === undefined ? "" : String(s.priority),
    source: s.source,
    include: s.include.join("\n"),
    exclude: s.exclude.join("\n"),
    layout: s.layout,
    dir: s.dir ?? "",
    sha256: s.sha256 ?? "",
    filename: s.filename ?? "",
    bandwidth: s.bandwidth ?? "",
    misfire_grace: s.misfireGrace,
    overlap: s.overlap,
    retry_attempts: String(s.retry.attempts),
    retry_backoff: s.retry.backoff,
    retry_factor: String(s.retry.factor),
    retry_max_backoff: s.retry.maxBackoff,
    webhook_url: s.webhook?.url ?? "",
    trigger_type: s.trigger.type,
  };
  const t = s.trigger;
  if (t.type === "cron") {
    v.cron = t.expression;
    v.timezone = t.timezone ?? "";
  } else if (t.type === "interval") {
    v.every = t.every;
    v.start_at = t.startAt ?? "";
  } else v.at = t.at;
  s.timeWindow?.windows.forEach((w, i) => {
    v[`win${i}_start`] = w.start;
    v[`win${i}_end`] = w.end;
    v[`win${i}_days`] = w.days ?? [...WEEKDAYS];
  });
  if (s.timeWindow) {
    v.window_timezone = s.timeWindow.timezone ?? "";
    v.on_end = s.timeWindow.onEnd ?? "continue";
  }
  if (s.keepRevisions !== undefined) v.keep_revisions = String(s.keepRevisions);
  return v;
}
