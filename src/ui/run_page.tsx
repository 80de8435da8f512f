// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * `GET /runs/{id}`: one run: live per-file progress while it runs, its state timeline (planned,
 * started, earlier attempts, waiting for the window, finished), where it resumes after a
 * window pause, and the final summary (files, bytes, duration, error, webhook outcome).
 * @module
 */
import type { Context } from "hono";
import { formatBytes } from "../byte_size.ts";
import { formatElapsed } from "../time/elapsed.ts";
import type { Run } from "../store/records.ts";
import { isFinal } from "../store/mod.ts";
import type { DashboardDeps } from "./deps.ts";
import { Page, type PageContext, StatusBadge } from "./layout.tsx";
import { RunProgress } from "./run_progress.tsx";
import { formatInstant } from "./words.ts";

/** One line summing up a finished run. */
export function runSummary(run: Run): string {
  const took = run.startedAt && run.finishedAt
    ? ` in ${formatElapsed(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}`
    : "";
  const files =
    `${run.files.done} of ${run.files.total} files (${run.files.skipped} already present)`;
  const head = `${run.status[0].toUpperCase()}${run.status.slice(1)}`;
  return `${head}: ${files}, ${formatBytes(run.bytes)} transferred${took}` +
    (run.error ? ` — ${run.error.code}: ${run.error.message}` : "");
}

/** Renders the run page. */
export async function runPage(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const run = await deps.service.getRun(c.req.param("id")!);
  const schedule = run.scheduleId ? await deps.service.get(run.scheduleId).catch(() => null) : null;
  const zone = deps.config.timezone;
  const title = schedule?.name ?? run.source ?? run.id;
  const at = (t: string | null | undefined) => t ? formatInstant(t, zone) : "—";
  return c.html(
    <Page title={`Run of ${title}`} ctx={ctx}>
      <h1>Run of {title}</h1>
      {schedule
        ? (
          <p>
            <a href={`/schedules/${schedule.id}`}>Back to {schedule.name}</a>
          </p>
        )
        : null}
      {isFinal(run)
        ? (
          <p class="card" data-summary="">
            <StatusBadge status={run.status} live /> {runSummary(run)}
          </p>
        )
        : <RunProgress run={run} title={title} />}
      {run.status === "waiting_window"
        ? (
          <p class="card">
            Paused at the window's end after{" "}
            {formatBytes(run.bytes)}; partial files are kept and the transfer resumes from there
            {" "}
            {run.nextOpen ? `at ${at(run.nextOpen)}` : "when the window opens"}.
          </p>
        )
        : null}
      <h2>State timeline</h2>
      <ol class="states card" data-states="">
        {runStates(run, at).map(([what, when]) => <li>{what}: {when}</li>)}
      </ol>
      <h2>Details</h2>
      <RunDetails run={run} />
    </Page>,
  );
}

/** The run's state timeline as (what, when) pairs, oldest first; `at` formats an instant. */
function runStates(run: Run, at: (t: string | null | undefined) => string): [string, string][] {
  const states: [string, string][] = [["planned", at(run.plannedAt)]];
  for (const a of run.previousAttempts ?? []) {
    states.push([
      `attempt ${a.attempt} ended`,
      `${at(a.finishedAt)}${a.error ? ` — ${a.error.code}: ${a.error.message}` : ""}`,
    ]);
  }
  if (run.startedAt) states.push([`attempt ${run.attempt} started`, at(run.startedAt)]);
  if (run.status === "waiting_window") {
    states.push(["waiting for the window", run.nextOpen ? `opens ${at(run.nextOpen)}` : ""]);
  }
  if (run.finishedAt) states.push([run.status, at(run.finishedAt)]);
  return states;
}

function RunDetails(props: { run: Run }) {
  const { run } = props;
  return (
    <dl class="kv card">
      <dt>Run id</dt>
      <dd>
        <code>{run.id}</code>
      </dd>
      <dt>Source</dt>
      <dd>{run.source ?? "—"}</dd>
      <dt>Trigger</dt>
      <dd>{run.trigger}{run.forced ? " (forced outside the window)" : ""}</dd>
      <dt>Attempt</dt>
      <dd>{run.attempt}</dd>
      <dt>Commit</dt>
      <dd>
        <code>{run.commit ?? "—"}</code>
      </dd>
      <dt>Files</dt>
      <dd>{run.files.done} of {run.files.total} ({run.files.skipped} already present)</dd>
      <dt>Transferred</dt>
      <dd>{formatBytes(run.bytes)}</dd>
      <dt>Reason</dt>
      <dd>{run.reason?.replace("_", " ") ?? "—"}</dd>
      <dt>Error</dt>
      <dd>{run.error ? `${run.error.code}: ${run.error.message}` : "—"}</dd>
      <dt>Webhook</dt>
      <dd>
        {run.webhook
          ? `${run.webhook.status} after ${run.webhook.attempts} attempt(s)` +
            (run.webhook.httpStatus ? `, HTTP ${run.webhook.httpStatus}` : "") +
            (run.webhook.error ? `: ${run.webhook.error}` : "")
          : "—"}
      </dd>
    </dl>
  );
}
