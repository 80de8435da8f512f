// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * `GET /schedules/{id}`: a schedule's settings, next 5 runs, window state, 7-day timeline,
 * stats, paginated history (each run links to its page), and the actions: pause or resume,
 * run now, edit, delete (soft, or hard after typing the name).
 * @module
 */
import type { Context } from "hono";
import { formatBytes } from "../byte_size.ts";
import { formatElapsed } from "../time/elapsed.ts";
import type { Run } from "../store/records.ts";
import type { ScheduleDetail } from "../schedule/service/service.ts";
import { triggerZone } from "../schedule/trigger/trigger.ts";
import type { DashboardDeps } from "./deps.ts";
import { CsrfField, Page, type PageContext, StatusBadge } from "./layout.tsx";
import { Timeline, timelineData } from "./timeline.tsx";
import { formatInstant, rateWords, relativeTime, triggerWords, windowWords } from "./words.ts";

/** Renders the schedule page; `notice` is a line shown above (the outcome of an action). */
export async function schedulePage(
  c: Context,
  deps: DashboardDeps,
  ctx: PageContext,
  notice?: string,
) {
  const id = c.req.param("id")!;
  const s = await deps.service.get(id);
  const cursor = c.req.query("cursor") || undefined;
  const history = await deps.service.listRuns(id, { limit: 20, cursor });
  const zone = deps.config.timezone;
  const now = deps.clock.now();
  const tl = timelineData(s, zone, now);
  const description = (s.timeWindow ? `Window ${windowWords(s.timeWindow, zone)}. ` : "") +
    `${tl.runs.length} planned runs in the next 7 days.`;
  return c.html(
    <Page title={s.name} ctx={ctx}>
      <h1>
        {s.name} <StatusBadge status={s.status} live />
      </h1>
      <p class="live" aria-live="polite" data-notice="">{notice ?? ""}</p>
      <Actions s={s} ctx={ctx} />
      <h2>Settings</h2>
      <Settings s={s} zone={zone} />
      <NextRuns s={s} zone={zone} now={now} />
      <h2>Next 7 days</h2>
      <Timeline data={tl} zone={zone} description={description} />
      <h2>Stats</h2>
      <Stats s={s} />
      <h2>History</h2>
      <History runs={history.items} zone={zone} />
      <HistoryPager id={id} cursor={cursor} next={history.nextCursor} />
    </Page>,
  );
}

function NextRuns(props: { s: ScheduleDetail; zone: string; now: number }) {
  const { s, zone, now } = props;
  return (
    <>
      <h2>Next runs</h2>
      {s.nextRuns.length
        ? (
          <ol>
            {s.nextRuns.map((t) => <li>{formatInstant(t, zone)} ({relativeTime(t, now)})</li>)}
          </ol>
        )
        : <p class="muted">None planned ({s.status}).</p>}
      {s.window
        ? (
          <p>
            Window <StatusBadge status={s.window.open ? "open" : "closed"} /> {s.window.open
              ? s.window.nextClose && `until ${formatInstant(s.window.nextClose, zone)}`
              : s.window.nextOpen && `opens ${formatInstant(s.window.nextOpen, zone)}`}
          </p>
        )
        : null}
    </>
  );
}

function Stats(props: { s: ScheduleDetail }) {
  const { s } = props;
  return (
    <dl class="kv card">
      <dt>Runs</dt>
      <dd>{s.stats.runs}</dd>
      <dt>Succeeded</dt>
      <dd>{s.stats.succeeded}</dd>
      <dt>Failed</dt>
      <dd>{s.stats.failed}</dd>
      <dt>Skipped</dt>
      <dd>{s.stats.skipped}</dd>
      <dt>Success rate</dt>
      <dd>{rateWords(s.stats.successRate)}</dd>
      <dt>Mean duration</dt>
      <dd>{s.stats.meanDurationMs === null ? "—" : formatElapsed(s.stats.meanDurationMs)}</dd>
    </dl>
  );
}

function HistoryPager(props: { id: string; cursor?: string; next?: string | null }) {
  const { id, cursor } = props;
  return (
    <nav class="pager" aria-label="History pages">
      {cursor ? <a href={`/schedules/${id}`}>Newest</a> : null}
      {props.next
        ? <a href={`/schedules/${id}?cursor=${encodeURIComponent(props.next)}`}>Older</a>
        : null}
    </nav>
  );
}

function Actions(props: { s: ScheduleDetail; ctx: PageContext }) {
  const { s, ctx } = props;
  const base = `/schedules/${s.id}`;
  const deleted = s.status === "deleted";
  return (
    <div class="actions card">
      {s.status === "active" || s.status === "paused"
        ? (
          <form
            method="post"
            action={`${base}/${s.status === "active" ? "pause" : "resume"}`}
            data-inplace=""
          >
            <CsrfField ctx={ctx} />
            <button type="submit">{s.status === "active" ? "Pause" : "Resume"}</button>
          </form>
        )
        : null}
      {deleted ? null : (
        <form method="post" action={`${base}/run`} data-inplace="">
          <CsrfField ctx={ctx} />
          <button type="submit" class="primary">Run now</button>
        </form>
      )}
      {deleted ? null : <a class="button" href={`${base}/edit`}>Edit</a>}
      <form method="post" action={`${base}/delete`} data-inplace="" data-delete="">
        <CsrfField ctx={ctx} />
        <label class="check" for="hard">
          <input type="checkbox" id="hard" name="hard" value="1" />
          delete for good (history too)
        </label>
        <label for="confirm-name" class="small">
          To delete for good, type the name <code>{s.name}</code>
        </label>
        <input id="confirm-name" type="text" name="confirm" autocomplete="off" />
        {deleted
          ? <button type="submit" class="danger">Delete for good</button>
          : <button type="submit" class="danger">Delete</button>}
      </form>
    </div>
  );
}

function Settings(props: { s: ScheduleDetail; zone: string }) {
  const { s, zone } = props;
  const rows: [string, string][] = [
    ["Source", s.source],
    ["Include", s.include.join(", ") || "everything"],
    ["Exclude", s.exclude.join(", ") || "nothing"],
    ["Layout", s.layout + (s.dir ? ` in ${s.dir}` : "")],
    ["Trigger", triggerWords(s.trigger, triggerZone(s.trigger, zone))],
    ["Window", s.timeWindow ? windowWords(s.timeWindow, zone) : "always open"],
    ["Bandwidth", s.bandwidth ?? "unlimited"],
    [
      "Retry",
      `${s.retry.attempts} attempts, backoff ${s.retry.backoff} ×${s.retry.factor} up to ${s.retry.maxBackoff}`,
    ],
    ["Misfire grace", s.misfireGrace],
    ["Overlap", s.overlap],
    ["Webhook", s.webhook?.url ?? "none"],
    ["Created", formatInstant(s.createdAt, zone)],
    ["Updated", formatInstant(s.updatedAt, zone)],
  ];
  rows.push(["Keep revisions", s.keepRevisions === undefined ? "all" : String(s.keepRevisions)]);
  if (s.labels && Object.keys(s.labels).length) {
    rows.unshift(["Labels", Object.entries(s.labels).map(([k, v]) => `${k}:${v}`).join(", ")]);
  }
  rows.push(["Priority", String(s.priority ?? 5)]);
  if (s.description) rows.unshift(["Description", s.description]);
  return (
    <dl class="kv card">
      {rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/** A table of runs, newest first, each linking to its page. */
function History(props: { runs: Run[]; zone: string }) {
  if (props.runs.length === 0) return <p class="muted">No runs yet.</p>;
  return (
    <div class="table-wrap">
      <table class="rows" aria-label="Runs">
        <thead>
          <tr>
            <th>Planned</th>
            <th>Status</th>
            <th>Trigger</th>
            <th>Files</th>
            <th>Bytes</th>
            <th>Duration</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((r) => (
            <tr>
              <td data-label="Planned">
                <a href={`/runs/${r.id}`}>{formatInstant(r.plannedAt, props.zone)}</a>
              </td>
              <td data-label="Status">
                <StatusBadge status={r.status} />
                {r.reason
                  ? <span class="small muted">{` ${r.reason.replace("_", " ")}`}</span>
                  : null}
              </td>
              <td data-label="Trigger">
                {r.trigger}
                {r.attempt > 1 ? ` (attempt ${r.attempt})` : ""}
              </td>
              <td data-label="Files">{r.files.done}/{r.files.total} ({r.files.skipped} skipped)</td>
              <td data-label="Bytes">{formatBytes(r.bytes)}</td>
              <td data-label="Duration">
                {r.startedAt && r.finishedAt
                  ? formatElapsed(Date.parse(r.finishedAt) - Date.parse(r.startedAt))
                  : "—"}
              </td>
              <td data-label="Error">{r.error ? `${r.error.code}: ${r.error.message}` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
