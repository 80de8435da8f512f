// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * `GET /`: every schedule (state, source, trigger in words, next run, window, last result,
 * success rate) with filters by state and label and a search over name and source; the runs in
 * progress with live progress; the failures of the last 7 days with their messages.
 * @module
 */
import type { Context } from "hono";
import type { Run, Schedule } from "../store/records.ts";
import type { ScheduleSummary } from "../schedule/service/schedule_overview.ts";
import { triggerZone } from "../schedule/trigger/trigger.ts";
import type { DashboardDeps } from "./deps.ts";
import { Page, type PageContext, StatusBadge } from "./layout.tsx";
import { RunProgress } from "./run_progress.tsx";
import { formatInstant, rateWords, relativeTime, triggerWords } from "./words.ts";

/** Schedules per overview page. */
const OVERVIEW_PAGE = 50;
const STATES = ["active", "paused", "completed"] as const;

/** Labels of a schedule as `key:value` strings (the list filter's `?label=` form). */
export function labelsOf(s: Schedule): string[] {
  return s.labels ? Object.entries(s.labels).map(([k, v]) => `${k}:${v}`) : [];
}

interface Filters {
  state: string;
  label: string;
  q: string;
  page: number;
}

function filtersOf(c: Context): Filters {
  const page = Number(c.req.query("page") ?? "1");
  return {
    state: c.req.query("state") ?? "",
    label: c.req.query("label") ?? "",
    q: (c.req.query("q") ?? "").trim().toLowerCase(),
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function matches(s: Schedule, f: Filters): boolean {
  if (f.state && s.status !== f.state) return false;
  if (f.label && !labelsOf(s).includes(f.label)) return false;
  return !f.q || s.name.toLowerCase().includes(f.q) || s.source.toLowerCase().includes(f.q);
}

/** Renders the overview page. */
export async function overviewPage(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const f = filtersOf(c);
  const [all, active, failures] = await Promise.all([
    deps.overview.allSchedules(),
    deps.overview.activeRuns(),
    deps.overview.recentFailures(7),
  ]);
  const shown = all.filter((s) => matches(s, f));
  const pages = Math.max(1, Math.ceil(shown.length / OVERVIEW_PAGE));
  const page = Math.min(f.page, pages);
  const rows = await deps.overview.summaries(
    shown.slice((page - 1) * OVERVIEW_PAGE, page * OVERVIEW_PAGE),
  );
  const names = new Map(all.map((s) => [s.id, s.name]));
  const labels = [...new Set(all.flatMap(labelsOf))].sort();
  const now = deps.clock.now();
  const zone = deps.config.timezone;
  return c.html(
    <Page title="Overview" ctx={ctx} current="/">
      <h1>Schedules</h1>
      <FilterForm filters={f} labels={labels} />
      <p class="muted small">
        {shown.length} of {all.length} schedules · times in {zone}
      </p>
      <SchedulesTable rows={rows} now={now} zone={zone} />
      <Pager filters={f} page={page} pages={pages} />
      <RunningRuns runs={active} names={names} />
      <FailedRuns failures={failures} names={names} zone={zone} />
    </Page>,
  );
}

function FilterForm(props: { filters: Filters; labels: string[] }) {
  const { filters: f, labels } = props;
  return (
    <form method="get" action="/" class="filters card" role="search">
      <div>
        <label for="q">Search name or source</label>
        <input id="q" type="search" name="q" value={f.q} />
      </div>
      <div>
        <label for="state">State</label>
        <select id="state" name="state">
          <option value="">any</option>
          {STATES.map((s) => <option value={s} selected={f.state === s}>{s}</option>)}
        </select>
      </div>
      {labels.length
        ? (
          <div>
            <label for="label">Label</label>
            <select id="label" name="label">
              <option value="">any</option>
              {labels.map((l) => <option value={l} selected={f.label === l}>{l}</option>)}
            </select>
          </div>
        )
        : null}
      <button type="submit">Filter</button>
    </form>
  );
}

function SchedulesTable(props: { rows: ScheduleSummary[]; now: number; zone: string }) {
  return (
    <div class="table-wrap">
      <table class="rows" aria-label="Schedules">
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>Trigger</th>
            <th>Next run</th>
            <th>Window</th>
            <th>Last run</th>
            <th>Success</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => <ScheduleRow row={r} now={props.now} zone={props.zone} />)}
        </tbody>
      </table>
    </div>
  );
}

function Pager(props: { filters: Filters; page: number; pages: number }) {
  const { filters: f, page, pages } = props;
  const link = (p: number) => {
    const q = new URLSearchParams({ state: f.state, label: f.label, q: f.q, page: String(p) });
    return `/?${q}`;
  };
  return pages > 1
    ? (
      <nav class="pager" aria-label="Pages">
        {page > 1 ? <a href={link(page - 1)}>Previous</a> : null}
        <span>Page {page} of {pages}</span>
        {page < pages ? <a href={link(page + 1)}>Next</a> : null}
      </nav>
    )
    : null;
}

function RunningRuns(props: { runs: Run[]; names: Map<string, string> }) {
  const { runs, names } = props;
  return (
    <>
      <h2>Running</h2>
      {runs.length === 0 ? <p class="muted">Nothing is downloading right now.</p> : null}
      {runs.map((run) => (
        <RunProgress
          run={run}
          title={run.scheduleId ? names.get(run.scheduleId) ?? run.source ?? run.id : run.source ??
            run.id}
          href={`/runs/${run.id}`}
        />
      ))}
    </>
  );
}

function FailedRuns(
  props: { failures: { runs: Run[]; capped: boolean }; names: Map<string, string>; zone: string },
) {
  const { failures, names, zone } = props;
  return (
    <>
      <h2>Failed in the last 7 days</h2>
      {failures.runs.length === 0 ? <p class="muted">No failed runs.</p> : (
        <div class="table-wrap">
          <table class="rows" aria-label="Failed runs">
            <thead>
              <tr>
                <th>When</th>
                <th>Schedule</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {failures.runs.map((run) => (
                <tr>
                  <td data-label="When">
                    <a href={`/runs/${run.id}`}>
                      {formatInstant(run.finishedAt ?? run.plannedAt, zone)}
                    </a>
                  </td>
                  <td data-label="Schedule">
                    {run.scheduleId
                      ? names.get(run.scheduleId) ?? run.source
                      : `download ${run.source ?? ""}`}
                  </td>
                  <td data-label="Error">
                    {run.error ? `${run.error.code}: ${run.error.message}` : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {failures.capped
        ? <p class="muted small">Only the newest 1000 runs of the period were looked at.</p>
        : null}
    </>
  );
}

function ScheduleRow(props: { row: ScheduleSummary; now: number; zone: string }) {
  const { schedule: s, nextAt, window: w, lastRun, stats } = props.row;
  const zone = props.zone;
  return (
    <tr>
      <td data-label="Name">
        <a href={`/schedules/${s.id}`}>{s.name}</a>
        <div class="muted small">{s.source}</div>
        {labelsOf(s).length ? <div class="small">{labelsOf(s).join(" · ")}</div> : null}
      </td>
      <td data-label="State">
        <StatusBadge status={s.status} />
      </td>
      <td data-label="Trigger">{triggerWords(s.trigger, triggerZone(s.trigger, zone))}</td>
      <td data-label="Next run">
        {nextAt ? `${formatInstant(nextAt, zone)} (${relativeTime(nextAt, props.now)})` : "—"}
      </td>
      <td data-label="Window">
        {w
          ? (
            <>
              <StatusBadge status={w.open ? "open" : "closed"} />{" "}
              <span class="small">
                {w.open
                  ? (w.nextClose ? `closes ${relativeTime(w.nextClose, props.now)}` : "")
                  : (w.nextOpen ? `opens ${relativeTime(w.nextOpen, props.now)}` : "never opens")}
              </span>
            </>
          )
          : <span class="muted">always</span>}
      </td>
      <td data-label="Last run">
        {lastRun
          ? (
            <>
              <a href={`/runs/${lastRun.id}`}>
                <StatusBadge status={lastRun.status} />
              </a>{" "}
              <span class="small">
                {relativeTime(lastRun.finishedAt ?? lastRun.plannedAt, props.now)}
              </span>
            </>
          )
          : <span class="muted">never</span>}
      </td>
      <td data-label="Success">{rateWords(stats.successRate)}</td>
    </tr>
  );
}
