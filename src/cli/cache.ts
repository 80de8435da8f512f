/**
 * `nightpull cache ls | rm | prune | verify`: the hub cache on this machine, read and changed
 * locally (not through the server), including repos other tools downloaded. REPO is `org/name`
 * or `datasets/org/name` (`spaces/...`); `--cache-dir` defaults to the HF cache.
 *
 * @example
 * ```ts
 * const code = await cacheCommand(["prune", "--keep", "1", "--dry-run", "--json"]);
 * ```
 * @module
 */
import { EXIT, NightpullError } from "../errors.ts";
import { applyRemoval, planRemoveRevisions } from "../download/cache/cache_prune.ts";
import { type CacheReport, cacheReport, scanSelected } from "../download/cache/cache_report.ts";
import { pruneCache, type PruneOutcome, recordRemoval } from "../download/cache/retention.ts";
import { repoArgFolder, repoLabel } from "../download/cache/repo_arg.ts";
import { createLogger } from "../log.ts";
import { openKv } from "../store/open_kv.ts";
import { forgetCommitsSeen } from "../store/commits_seen.ts";
import { usageError } from "./command.ts";
import { withSubcommands } from "./subcommands.ts";
import { formatBytes } from "../byte_size.ts";
import { formatInstant, formatTable } from "./table.ts";
import { cacheVerifyCommand } from "./cache_verify.ts";
import { CACHE_USAGE, cacheConfig, parseCacheArgs, repoArgs } from "./cache_args.ts";

function help(values: { help?: boolean }): boolean {
  if (values.help) console.log(CACHE_USAGE);
  return values.help === true;
}

async function ls(args: string[]): Promise<number> {
  const { values, positionals } = parseCacheArgs(args, {});
  if (help(values)) return EXIT.ok;
  const config = cacheConfig(values);
  const report = await cacheReport(config.hubCache, repoArgs(positionals, false));
  console.log(values.json ? JSON.stringify(report) : renderCache(report));
  return EXIT.ok;
}

/** The `cache ls` text: one line per repo, one indented line per revision, then totals. */
function renderCache(report: CacheReport): string {
  const rows: string[][] = [];
  for (const r of report.repos) {
    rows.push([
      repoLabel(r.type, r.repo),
      r.type,
      String(r.revisions.length),
      formatBytes(r.size),
      formatInstant(r.lastModified),
    ]);
    for (const v of r.revisions) {
      rows.push([
        `  ${v.commit.slice(0, 12)} ${v.refs.join(",") || "(no ref)"}`,
        "",
        `${v.files} files`,
        formatBytes(v.size),
        formatInstant(v.lastModified),
      ]);
    }
  }
  const table = rows.length > 0
    ? formatTable(["REPO", "TYPE", "REVISIONS", "SIZE", "LAST MODIFIED"], rows) + "\n"
    : `no repos in ${report.cacheDir}\n`;
  return table +
    `total ${formatBytes(report.size)} in ${report.repos.length} repo(s) at ${report.cacheDir}; ` +
    `disk ${formatBytes(report.disk.free)} free of ${formatBytes(report.disk.total)}`;
}

async function rm(args: string[]): Promise<number> {
  const { values, positionals } = parseCacheArgs(args, {});
  if (help(values)) return EXIT.ok;
  if (positionals.length === 0) usageError(`give at least one REPO[@REV]\n${CACHE_USAGE}`);
  const config = cacheConfig(values);
  const wanted = repoArgs(positionals, true);
  const logger = createLogger({ format: config.logFormat, level: "warn" });
  const outcomes = [];
  // plan everything first: one unknown repo or revision changes nothing
  const plans = [];
  for (const arg of wanted) {
    const [repo] = await scanSelected(config.hubCache, [arg]);
    if (!repo) {
      throw new NightpullError(
        "not_found",
        `${repoLabel(arg.type, arg.repo)} is not in the cache at ${config.hubCache}`,
      );
    }
    try {
      plans.push(planRemoveRevisions(repo, arg.revision ? [arg.revision] : []));
    } catch (err) {
      throw new NightpullError("not_found", (err as Error).message);
    }
  }
  const kv = await openKv(config.kv);
  try {
    for (const plan of plans) {
      const done = await applyRemoval(plan);
      await forgetCommitsSeen(kv, repoArgFolder(plan.repo), done.commits);
      outcomes.push(recordRemoval(plan.repo, done, logger, { command: "rm" }));
    }
  } finally {
    kv.close();
  }
  const freed = outcomes.reduce((sum, o) => sum + o.bytes, 0);
  if (values.json) {
    console.log(JSON.stringify({ repos: outcomes, bytesFreed: freed }));
  } else {
    for (const o of outcomes) {
      console.log(
        `removed ${repoLabel(o.type, o.repo)}: ${o.revisions.length} revision(s), ` +
          `${o.blobs.length} blob(s), ${formatBytes(o.bytes)}` +
          (o.kept.length > 0 ? `; ${o.kept.length} blob(s) in use by another process kept` : ""),
      );
    }
    console.log(`freed ${formatBytes(freed)}`);
  }
  return EXIT.ok;
}

async function prune(args: string[]): Promise<number> {
  const { values, positionals } = parseCacheArgs(args, {
    keep: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (help(values)) return EXIT.ok;
  if (values.keep === undefined || !/^\d+$/.test(values.keep) || Number(values.keep) > 10_000) {
    usageError(
      `${
        values.keep === undefined ? "missing --keep N" : `invalid --keep "${values.keep}"`
      }: expected the number of revisions to keep per repo, 0 to 10000\n${CACHE_USAGE}`,
    );
  }
  const config = cacheConfig(values);
  const kv = await openKv(config.kv);
  let outcome: PruneOutcome;
  try {
    outcome = await pruneCache({
      root: config.hubCache,
      keep: Number(values.keep),
      repos: repoArgs(positionals, false),
      dryRun: values["dry-run"] ?? false,
      kv,
      logger: createLogger({ format: config.logFormat, level: "warn" }),
    });
  } finally {
    kv.close();
  }
  if (values.json) {
    console.log(JSON.stringify(outcome));
    return EXIT.ok;
  }
  const verb = outcome.dryRun ? "would remove" : "removed";
  for (const o of outcome.repos) {
    console.log(
      `${verb} ${repoLabel(o.type, o.repo)}: ${o.revisions.map((c) => c.slice(0, 12)).join(", ")}` +
        ` (${o.blobs.length} blob(s), ${formatBytes(o.bytes)})`,
    );
  }
  console.log(
    outcome.repos.length === 0
      ? `nothing to prune: every repo has at most ${outcome.keep} unnamed revision(s)`
      : `${outcome.dryRun ? "would free" : "freed"} ${formatBytes(outcome.bytesFreed)}`,
  );
  return EXIT.ok;
}

/** `nightpull cache ...`. */
export const cacheCommand = withSubcommands(
  { ls, rm, prune, verify: cacheVerifyCommand },
  CACHE_USAGE,
);
