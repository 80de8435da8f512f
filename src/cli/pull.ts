/**
 * `nightpull pull SOURCE`: a one-shot, resumable, verified download with progress bars.
 * Ctrl+C stops the transfers, keeps the partial files and exits 130; running the same command
 * again resumes them.
 *
 * @example
 * ```ts
 * const code = await pullCommand(["hf:acme/tiny-model", "--include", "*.json"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, resolveConfig } from "../config.ts";
import { EXIT, NightpullError, toNightpullError } from "../errors.ts";
import { pull, type PullReport, type PullRequest } from "../download/pull/pull.ts";
import { rateLimiterFor } from "../download/transfer/rate_limiter.ts";
import { cliSource, parseRepoType } from "./pull_source.ts";
import { planText } from "./dry_run_view.ts";
import { openKv } from "../store/open_kv.ts";
import { createLogger } from "../log.ts";
import { usageError } from "./command.ts";
import { settingOptions } from "./setting_options.ts";
import { formatBytes } from "../byte_size.ts";
import { formatElapsed } from "../time/elapsed.ts";
import { PullProgress, stderrProgressMode, terminalColumns } from "./progress.ts";
import { countText } from "./progress_text.ts";

/** Usage text of `nightpull pull`. */
const PULL_USAGE =
  `Usage: nightpull pull SOURCE [PATH]... [--local-dir DIR | --cache-dir DIR] [--include G]...
                      [--exclude G]... [--repo-type model|dataset|space|kernel] [--revision REV]
                      [--dry-run] [--force-download] [--max-workers N] [--connections N]
                      [--sha256 HEX] [--filename NAME] [--quiet] [--json]
                      [--data DIR] [--kv PATH] [--hf-token-file FILE] [--token TOKEN]
                      [--bwlimit RATE] [--timezone TZ] [--min-free SIZE] [--log-level L]
                      [--verify]

SOURCE is <org>/<name>, hf:<org>/<name>[@<revision>] (hf:datasets/..., hf:spaces/...,
hf:kernels/...), hf://[datasets/|spaces/|kernels/]<org>/<name>[@<revision>][/<path>], or an
http(s) URL. PATHs pull only those repo files (or folders), as \`hf download REPO PATH...\`.
--dry-run prints the plan (each file, its size, present / fetch / repair, the totals and the
commit; --json gives it as data) and transfers no file body. --force-download fetches every
selected file again. --max-workers N downloads N files at once (default 16).
HF_HUB_OFFLINE=1 makes no hub request: the pull is answered from the cache (refs/, the stored
tree listing, the snapshot) and fails offline_missing (exit 4) naming any file not on disk.
Hub repos go to the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub) unless --local-dir;
URLs go to <data>/downloads unless --local-dir. Interrupted pulls resume when run again.
--token gives the hub token; other local users can read it in the process list (ps), so prefer
HF_TOKEN or the token file ($HF_TOKEN_PATH, else $HF_HOME/token).
--bwlimit (or NIGHTPULL_BWLIMIT) caps the total rate: 10M, 512k, or a timetable such as
"08:00,512k 23:00,off" (steps in --timezone, else the system zone).
--min-free (or NIGHTPULL_MIN_FREE, default 1G) must stay free on the target filesystem: a
pull that would not fit exits 6 (insufficient_space) before downloading anything.
Errors are one line; --log-level debug (or NIGHTPULL_LOG_LEVEL=debug) adds the stack trace of
an unexpected one.
Present files are trusted while their size, mtime and inode are unchanged, else hashed again
(and downloaded again when their bytes changed); --verify hashes every present file.`;

const OPTIONS = {
  // the settings' flags, as the settings table declares them
  ...settingOptions(
    "hubCache",
    "connections",
    "dataDir",
    "kv",
    "hfTokenFile",
    "bwlimit",
    "minFree",
    "timezone",
    "logLevel",
  ),
  "local-dir": { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  sha256: { type: "string" },
  filename: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  token: { type: "string" },
  "repo-type": { type: "string" },
  revision: { type: "string" },
  "dry-run": { type: "boolean" },
  "force-download": { type: "boolean" },
  "max-workers": { type: "string" },
  verify: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** A second SIGINT sooner than this after the first is the same Ctrl+C delivered twice. */
const REPEATED_INTERRUPT_MS = 1000;

/** Parses `pull`'s arguments strictly; unknown flags are usage errors naming the flag. */
function parsePullArgs(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(`${(err as Error).message}\n${PULL_USAGE}`);
  }
}

type PullValues = ReturnType<typeof parsePullArgs>["values"];

/** The source, its text and the repo paths asked for; usage errors for flags it does not take. */
function pickSource(values: PullValues, positionals: string[]) {
  if (positionals.length === 0) usageError(`missing SOURCE\n${PULL_USAGE}`);
  if (values["local-dir"] !== undefined && values["cache-dir"] !== undefined) {
    usageError("--local-dir and --cache-dir exclude each other: pick one layout");
  }
  const picked = cliSource(positionals[0], {
    ...(values["repo-type"] !== undefined ? { repoType: parseRepoType(values["repo-type"]) } : {}),
    ...(values.revision !== undefined ? { revision: values.revision } : {}),
  });
  const { source } = picked;
  if (source.kind === "url") {
    if (positionals.length > 1) {
      usageError(`a URL source takes no PATH arguments, got: ${positionals.slice(1).join(" ")}`);
    }
    if (values["dry-run"] || values["force-download"]) {
      usageError("--dry-run and --force-download apply to hub sources, not to a URL");
    }
  }
  if (source.kind === "url" && values["cache-dir"] !== undefined) {
    usageError("--cache-dir applies to hf: sources; use --local-dir DIR for a URL's target folder");
  }
  if (source.kind === "hf" && (values.sha256 !== undefined || values.filename !== undefined)) {
    usageError(
      "--sha256 and --filename apply to URL sources; hub files are verified from the listing",
    );
  }
  return { source, text: picked.text, paths: [...picked.paths, ...positionals.slice(1)] };
}

/** The settings of a pull from its flags and the environment. */
function pullConfig(values: PullValues): Config {
  return resolveConfig({
    data: values.data,
    kv: values.kv,
    "cache-dir": values["cache-dir"],
    "hf-token-file": values["hf-token-file"],
    token: values.token,
    connections: values.connections,
    bwlimit: values.bwlimit,
    "min-free": values["min-free"],
    timezone: values.timezone,
    "log-level": values["log-level"],
  }, Deno.env.toObject());
}

/** What to pull, from the flags and the picked source. */
function pullRequest(
  values: PullValues,
  picked: ReturnType<typeof pickSource>,
  config: Config,
): PullRequest {
  const { source, paths } = picked;
  return {
    source: picked.text,
    include: values.include,
    exclude: values.exclude,
    ...(source.kind === "hf" && values["local-dir"] !== undefined
      ? { layout: "local-dir" as const }
      : {}),
    ...(values["local-dir"] !== undefined ? { dir: values["local-dir"] } : {}),
    ...(values.sha256 !== undefined ? { sha256: values.sha256 } : {}),
    ...(values.filename !== undefined ? { filename: values.filename } : {}),
    ...(values.connections !== undefined ? { connections: config.connections } : {}),
    ...(paths.length > 0 ? { paths } : {}),
    ...(values["force-download"] ? { force: true } : {}),
    ...(values["dry-run"] ? { dryRun: true } : {}),
    ...(values.verify ? { verify: "always" as const } : {}),
  };
}

/**
 * The SIGINT listener of a pull: the first Ctrl+C aborts `controller` (the transfers write what
 * they hold, then the pull returns), a later one exits at once.
 */
function interruptListener(controller: AbortController): () => void {
  let firstInterrupt: number | undefined;
  return () => {
    const now = performance.now();
    if (firstInterrupt === undefined) {
      firstInterrupt = now;
      controller.abort();
      return;
    }
    // One Ctrl+C under `deno task` arrives twice (the terminal signals the whole process
    // group and the task forwards it again): a repeat this soon is the same key press.
    if (now - firstInterrupt < REPEATED_INTERRUPT_MS) return;
    // A later Ctrl+C means "now": what was written is on disk and resumes.
    Deno.exit(EXIT.interrupted);
  };
}

/** Prints how the pull went on stdout: the plan of a dry run, JSON, or one summary line. */
function printReport(report: PullReport, ms: number, values: PullValues): void {
  if (report.plan) {
    console.log(
      values.json ? JSON.stringify({ dryRun: true, ...report.plan }) : planText(report.plan),
    );
  } else if (values.json) {
    console.log(JSON.stringify({ ...report, durationMs: Math.round(ms) }));
  } else if (!values.quiet) {
    const at = report.commit ? ` at ${report.commit.slice(0, 12)}` : "";
    console.log(
      `pulled ${report.source}${at}: ${countText(report.files.total, "file")}, ` +
        `${report.files.done} downloaded, ${report.files.skipped} already present, ` +
        `${formatBytes(report.bytes)} transferred in ${formatElapsed(ms)}`,
    );
  }
}

/** Runs `nightpull pull`; returns the exit code (errors are thrown for main to map). */
export async function pullCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsePullArgs(args);
  if (values.help) {
    console.log(PULL_USAGE);
    return EXIT.ok;
  }
  const picked = pickSource(values, positionals);
  const maxWorkers = parseMaxWorkers(values["max-workers"]);
  const config = pullConfig(values);
  // config.timezone only with a limit: the default zone is costly to look up (config.ts)
  const global = config.bwlimit ? rateLimiterFor(config.bwlimit, config.timezone) : undefined;
  const request = pullRequest(values, picked, config);
  const mode = stderrProgressMode(Boolean(values.quiet));
  const encoder = new TextEncoder();
  const display = new PullProgress({
    mode,
    write: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    columns: mode === "tty" ? terminalColumns() : undefined,
  });
  const kv = await openKv(config.kv);
  const controller = new AbortController();
  const onInterrupt = interruptListener(controller);
  Deno.addSignalListener("SIGINT", onInterrupt);
  const started = performance.now();
  try {
    const report = await pull(request, {
      config,
      kv,
      signal: controller.signal,
      onEvent: (e) => display.onEvent(e),
      // warnings only (a repaired file, a failed one) unless debugging: progress lines tell the rest
      logger: createLogger({
        format: config.logFormat,
        level: config.logLevel === "debug" ? "debug" : "warn",
      }),
      limiters: global ? [global] : [],
      ...(maxWorkers !== undefined ? { fileConcurrency: maxWorkers } : {}),
    });
    display.finish();
    printReport(report, performance.now() - started, values);
    return EXIT.ok;
  } catch (err) {
    display.finish();
    const e = controller.signal.aborted
      ? new NightpullError(
        "interrupted",
        "interrupted; partial files are kept, run the same command again to resume",
      )
      : toNightpullError(err);
    if (values.json) console.log(JSON.stringify(e.toJSON()));
    throw e;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    kv.close();
  }
}

function parseMaxWorkers(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
    usageError(`invalid --max-workers "${raw}": expected a whole number from 1 to 64`);
  }
  return Number(raw);
}
