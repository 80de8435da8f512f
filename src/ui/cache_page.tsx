// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * `/cache`: the Hugging Face cache the server pulls into (repos, revisions, sizes, disk free as
 * a bar), with prune (a dry run first; the real prune is offered on the dry run's result) and
 * verify (a run, followed on its page). The same functions as `GET /api/v1/cache`,
 * `POST /api/v1/cache/prune` and `POST /api/v1/cache/verify`.
 * @module
 */
import type { Context } from "hono";
import { formatBytes } from "../byte_size.ts";
import { type CacheReport, cacheReport } from "../download/cache/cache_report.ts";
import { pruneCache } from "../download/cache/retention.ts";
import { parseRepoArg, repoLabel } from "../download/cache/repo_arg.ts";
import { NightpullError } from "../errors.ts";
import type { DashboardDeps } from "./deps.ts";
import { formValues } from "./forms.tsx";
import { CsrfField, Page, type PageContext } from "./layout.tsx";
import { formatInstant } from "./words.ts";

function reposOf(values: Record<string, string | string[]>): string[] {
  const raw = values.repo;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.filter((r) => r !== "");
}

function keepOf(values: Record<string, string | string[]>): number {
  const text = String(values.keep ?? "").trim();
  const keep = Number(text);
  if (!/^\d+$/.test(text) || keep > 10_000) {
    throw new NightpullError(
      "invalid_input",
      `invalid keep "${text}": expected a whole number of revisions from 0 to 10000`,
      { field: "keep" },
    );
  }
  return keep;
}

function RepoSelect(props: { labels: string[]; id: string }) {
  return (
    <div>
      <label for={props.id}>Repository</label>
      <select id={props.id} name="repo">
        <option value="">every repository</option>
        {props.labels.map((l) => <option value={l}>{l}</option>)}
      </select>
    </div>
  );
}

/** `GET /cache`. */
export async function cachePage(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const report = await cacheReport(deps.config.hubCache);
  const labels = report.repos.map((r) => repoLabel(r.type, r.repo));
  return c.html(
    <Page title="Cache" ctx={ctx} current="/cache">
      <h1>Cache</h1>
      <DiskCard report={report} />
      {report.repos.length === 0
        ? <p class="muted">The cache is empty.</p>
        : <RevisionsTable repos={report.repos} zone={deps.config.timezone} />}
      <h2>Prune</h2>
      <PruneForm ctx={ctx} labels={labels} />
      <h2>Verify</h2>
      <VerifyForm ctx={ctx} labels={labels} />
    </Page>,
  );
}

function DiskCard(props: { report: CacheReport }) {
  const { report } = props;
  const used = report.disk.total - report.disk.free;
  return (
    <div class="card">
      <p>
        <code>{report.cacheDir}</code>: {report.repos.length} repositories,{" "}
        {formatBytes(report.size)}
      </p>
      <label for="disk">
        Disk: {formatBytes(report.disk.free)} free of {formatBytes(report.disk.total)}
      </label>
      <meter
        id="disk"
        min={0}
        max={report.disk.total}
        value={used}
        high={report.disk.total * 0.9}
      >
        {formatBytes(used)} used
      </meter>
    </div>
  );
}

function RevisionsTable(props: { repos: CacheReport["repos"]; zone: string }) {
  return (
    <div class="table-wrap">
      <table class="rows" aria-label="Cached revisions">
        <thead>
          <tr>
            <th>Repository</th>
            <th>Commit</th>
            <th>Refs</th>
            <th>Files</th>
            <th>Size</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {props.repos.flatMap((r) =>
            r.revisions.map((rev) => (
              <tr>
                <td data-label="Repository">{repoLabel(r.type, r.repo)}</td>
                <td data-label="Commit">
                  <code>{rev.commit.slice(0, 12)}</code>
                </td>
                <td data-label="Refs">{rev.refs.join(", ") || "—"}</td>
                <td data-label="Files">{rev.files}</td>
                <td data-label="Size">{formatBytes(rev.size)}</td>
                <td data-label="Last modified">
                  {rev.lastModified ? formatInstant(rev.lastModified, props.zone) : "—"}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function PruneForm(props: { ctx: PageContext; labels: string[] }) {
  return (
    <form method="post" action="/cache/prune" class="card filters">
      <CsrfField ctx={props.ctx} />
      <input type="hidden" name="dry_run" value="1" />
      <RepoSelect labels={props.labels} id="prune-repo" />
      <div>
        <label for="keep">Keep the newest revisions</label>
        <input id="keep" name="keep" type="number" min="0" value="1" />
      </div>
      <button type="submit">Show what would be removed</button>
    </form>
  );
}

function VerifyForm(props: { ctx: PageContext; labels: string[] }) {
  return (
    <form method="post" action="/cache/verify" class="card filters">
      <CsrfField ctx={props.ctx} />
      <RepoSelect labels={props.labels} id="verify-repo" />
      <label class="check" for="repair">
        <input id="repair" type="checkbox" name="repair" value="1" />
        fetch damaged files again
      </label>
      <button type="submit">Verify every blob</button>
    </form>
  );
}

/** `POST /cache/prune`: a dry run shows what would go and offers the real prune. */
export async function prunePost(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const values = await formValues(c);
  const repos = reposOf(values);
  const keep = keepOf(values);
  const dryRun = values.dry_run === "1";
  const outcome = await pruneCache({
    root: deps.config.hubCache,
    keep,
    repos: repos.map((r) => parseRepoArg(r, false)),
    dryRun,
    kv: deps.kv,
    logger: deps.logger,
  });
  const removed = outcome.repos.filter((r) => r.revisions.length || r.blobs.length);
  return c.html(
    <Page title="Prune" ctx={ctx} current="/cache">
      <h1>{dryRun ? "Prune: what would be removed" : "Pruned"}</h1>
      <p class="card" aria-live="polite">
        {dryRun ? "Would free" : "Freed"} {formatBytes(outcome.bytesFreed)} keeping the newest{" "}
        {keep} revision{keep === 1 ? "" : "s"} of{" "}
        {repos.length ? repos.join(", ") : "every repository"}.
      </p>
      {removed.length === 0 ? <p class="muted">Nothing to remove.</p> : (
        <ul>
          {removed.map((r) => (
            <li>
              {repoLabel(r.type, r.repo)}: {r.revisions.length} revision(s), {r.blobs.length}{" "}
              blob(s), {formatBytes(r.bytes)}
              {r.kept.length ? `; ${r.kept.length} blob(s) kept (in use)` : ""}
            </li>
          ))}
        </ul>
      )}
      {dryRun && removed.length
        ? (
          <form method="post" action="/cache/prune" class="actions">
            <CsrfField ctx={ctx} />
            <input type="hidden" name="keep" value={String(keep)} />
            {repos.map((r) => <input type="hidden" name="repo" value={r} />)}
            <button type="submit" class="danger">Remove them</button>
            <a class="button" href="/cache">Cancel</a>
          </form>
        )
        : (
          <p>
            <a href="/cache">Back to the cache</a>
          </p>
        )}
    </Page>,
  );
}

/** `POST /cache/verify`: starts the verify run and opens its page. */
export async function verifyPost(c: Context, deps: DashboardDeps) {
  const values = await formValues(c);
  const repos = reposOf(values);
  for (const r of repos) parseRepoArg(r, false);
  const run = await deps.service.startCacheVerify({ repos, repair: values.repair === "1" });
  return c.redirect(`/runs/${run.id}`, 303);
}
