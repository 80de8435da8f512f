/**
 * Human-readable views of schedules and runs for `nightpull schedule …`: one table row per
 * schedule (id, name, source, trigger, status, next run), a detail sheet, run history rows.
 *
 * @example
 * ```ts
 * console.log(scheduleTable([{ schedule, nextRun: detail.nextRuns[0] }]));
 * ```
 * @module
 */
import type { Run, Schedule, Trigger } from "../store/records.ts";
import type { ScheduleDetail } from "../schedule/service/service.ts";
import { formatBytes } from "../byte_size.ts";
import { formatElapsed } from "../time/elapsed.ts";
import { formatFields, formatInstant, formatTable } from "./table.ts";

/** `cron 0 2 * * * (Europe/Berlin)`, `every 6h`, `once at 2026-12-24 17:00:00Z`. */
function describeTrigger(trigger: Trigger): string {
  switch (trigger.type) {
    case "cron":
      return `cron ${trigger.expression}${trigger.timezone ? ` (${trigger.timezone})` : ""}`;
    case "interval":
      return `every ${trigger.every}${
        trigger.startAt ? ` from ${formatInstant(trigger.startAt)}` : ""
      }`;
    case "once":
      return `once at ${formatInstant(trigger.at)}`;
  }
}

/** Labels as `team=nlp, env=prod`. */
function labelText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
}

/** The schedules table of `ls`. */
export function scheduleTable(rows: { schedule: Schedule; nextRun?: string | null }[]): string {
  return formatTable(
    ["ID", "NAME", "SOURCE", "TRIGGER", "STATUS", "NEXT RUN", "PRIO", "LABELS"],
    rows.map(({ schedule: s, nextRun }) => [
      s.id,
      s.name,
      s.source,
      describeTrigger(s.trigger),
      s.status,
      formatInstant(nextRun),
      String(s.priority ?? 5),
      labelText(s.labels) || "-",
    ]),
  );
}

function runDuration(run: Run): number | null {
  if (!run.startedAt || !run.finishedAt) return null;
  return Date.parse(run.finishedAt) - Date.parse(run.startedAt);
}

/** The detail sheet of `show`. */
export function scheduleSheet(d: ScheduleDetail): string {
  const s = d.stats;
  const fields: [string, string][] = [
    ["id", d.id],
    ["name", d.name],
    ["source", d.source],
    ["trigger", describeTrigger(d.trigger)],
    ["status", d.status],
    ["layout", d.layout + (d.dir ? ` ${d.dir}` : "")],
    ["priority", String(d.priority ?? 5)],
  ];
  if (d.description) fields.splice(2, 0, ["description", d.description.replace(/\s+/g, " ")]);
  if (d.labels && Object.keys(d.labels).length) fields.push(["labels", labelText(d.labels)]);
  if (d.include.length) fields.push(["include", d.include.join(", ")]);
  if (d.exclude.length) fields.push(["exclude", d.exclude.join(", ")]);
  fields.push(
    ["retry", `${d.retry.attempts} attempts, backoff ${d.retry.backoff} x${d.retry.factor}`],
    ["overlap", d.overlap],
    ["misfire grace", d.misfireGrace],
  );
  if (d.webhook) fields.push(["webhook", d.webhook.url + (d.webhook.secret ? " (signed)" : "")]);
  if (d.timeWindow && d.window) {
    const w = d.timeWindow;
    const ranges = w.windows.map((r) =>
      `${r.start}-${r.end}${r.days ? ` (${r.days.join(",")})` : ""}`
    );
    fields.push([
      "time window",
      `${ranges.join(", ")}${w.timezone ? ` ${w.timezone}` : ""}, on end ${w.onEnd ?? "continue"}` +
      `: ${d.window.open ? "open" : "closed"}, ` +
      (d.window.open
        ? `closes ${formatInstant(d.window.nextClose)}`
        : `opens ${formatInstant(d.window.nextOpen)}`),
    ]);
  }
  if (d.bandwidth) fields.push(["bandwidth", d.bandwidth]);
  fields.push(
    ["next runs", d.nextRuns.length ? d.nextRuns.map(formatInstant).join(", ") : "-"],
    [
      "runs",
      `${s.runs} (${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped` +
      `${s.successRate === null ? "" : `, ${Math.round(s.successRate * 100)}% success`}` +
      `${s.meanDurationMs === null ? "" : `, mean ${formatElapsed(s.meanDurationMs)}`})`,
    ],
    ["created", formatInstant(d.createdAt)],
    ["updated", formatInstant(d.updatedAt)],
  );
  return formatFields(fields);
}

/** The history table of `history` (and the one row of `run`). */
export function runTable(runs: Run[]): string {
  return formatTable(
    ["RUN", "PLANNED", "TRIGGER", "STATUS", "ATTEMPT", "DURATION", "FILES", "BYTES", "NOTE"],
    runs.map((r) => [
      r.id,
      formatInstant(r.plannedAt),
      r.trigger,
      r.status,
      String(r.attempt),
      formatElapsed(runDuration(r)),
      `${r.files.done + r.files.skipped}/${r.files.total}${
        r.files.skipped ? ` (${r.files.skipped} kept)` : ""
      }`,
      formatBytes(r.bytes),
      r.status === "waiting_window"
        ? `waits for its window: opens ${formatInstant(r.nextOpen ?? r.dueAt)}`
        : r.error
        ? `${r.error.code}: ${r.error.message}`
        : r.reason ?? "",
    ]),
  );
}
