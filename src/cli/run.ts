/**
 * `nightpull run watch RUN_ID`: follows a run of the running server over
 * `GET /api/v1/runs/{id}/events` and draws the same progress bars as `pull`, then prints the
 * outcome and exits with the run's code (0 succeeded or skipped; a failed run's error code
 * maps to its exit code, e.g. 5 for a checksum mismatch). `schedule run ID --follow` uses the
 * same {@link watchRun}. A dropped connection is reopened: the server sends the current state.
 *
 * @example
 * ```ts
 * const code = await runCommand(["watch", "01JD7S3W5X9QK2M8V4N6R0T1YB"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { resolveConfig } from "../config.ts";
import { ERROR_TABLE, EXIT, isErrorCode, NightpullError } from "../errors.ts";
import type { RunProgress } from "../schedule/engine/run_progress.ts";
import type { Run } from "../store/records.ts";
import { ApiClient } from "./api_client.ts";
import type { Command } from "./command.ts";
import { withSubcommands } from "./subcommands.ts";
import { formatBytes } from "../byte_size.ts";
import { formatElapsed } from "../time/elapsed.ts";
import { stderrProgressMode, terminalColumns } from "./progress.ts";
import { countText } from "./progress_text.ts";
import { type ProgressMode, ProgressView } from "./progress_view.ts";
import { readEvents, type ServerSentEvent } from "./sse_reader.ts";

/** Usage of `nightpull run`. */
const RUN_USAGE = `Usage:
  nightpull run watch RUN_ID [--server URL] [--json] [--quiet]
Follows a run's progress until it ends; exits 0 when it succeeded (or was skipped), else
with the exit code of its error. --json prints each event as one JSON line.`;

/** How a watch shows the run. */
interface WatchOptions {
  mode: ProgressMode;
  /** Print each event as a JSON line on stdout instead of drawing. */
  json?: boolean;
  write?: (text: string) => void;
  print?: (line: string) => void;
  columns?: number;
  signal?: AbortSignal;
  /** Reconnects after a dropped stream before giving up (default 5). */
  reconnects?: number;
}

/** The exit code for a run's final state. */
function runExitCode(run: Run): number {
  if (run.status === "succeeded" || run.status === "skipped") return EXIT.ok;
  const code = run.error?.code;
  return code && isErrorCode(code) ? ERROR_TABLE[code].exit : EXIT.failed;
}

/** One line saying how a run ended. */
export function runSummary(run: Run): string {
  if (run.status === "skipped") {
    return `run ${run.id} skipped${run.reason ? ` (${run.reason})` : ""}`;
  }
  const took = run.startedAt && run.finishedAt
    ? ` in ${formatElapsed(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}`
    : "";
  if (run.status === "succeeded") {
    const at = run.commit ? ` at ${run.commit.slice(0, 12)}` : "";
    return `run ${run.id} succeeded${at}: ${countText(run.files.total, "file")}, ` +
      `${run.files.done} downloaded, ${run.files.skipped} already present, ` +
      `${formatBytes(run.bytes)} transferred${took}`;
  }
  const why = run.error ? `: ${run.error.code}: ${run.error.message}` : "";
  return `run ${run.id} ${run.status} after ${countText(run.attempt, "attempt")}${took}${why}`;
}

/** What a watch shows: one {@link ProgressView} per attempt, a line per change of state. */
class WatchDisplay {
  #options: WatchOptions;
  #write: (text: string) => void;
  #print: (line: string) => void;
  #view: ProgressView;
  #last: { status: string; attempt: number } | null = null;

  constructor(options: WatchOptions) {
    const encoder = new TextEncoder();
    this.#options = options;
    this.#write = options.write ?? ((t: string) => Deno.stderr.writeSync(encoder.encode(t)));
    this.#print = options.print ?? ((l: string) => console.log(l));
    this.#view = this.#newView();
  }

  /** Shows one event of the stream; returns the final run on `end`, else null. */
  onEvent(e: ServerSentEvent): Run | null {
    if (this.#options.json) {
      this.#print(JSON.stringify({ event: e.event, data: JSON.parse(e.data) }));
    }
    if (e.event === "progress") {
      this.#view.update(JSON.parse(e.data) as RunProgress);
      return null;
    }
    const run = JSON.parse(e.data) as Run;
    if (e.event === "end") {
      this.#view.finish();
      return run;
    }
    if (e.event === "state") this.#onState(run);
    return null;
  }

  // the server's snapshots are drawn as sent: its rate and ETA, its counts
  #newView(): ProgressView {
    const { json, mode, columns } = this.#options;
    return new ProgressView({ mode: json ? "quiet" : mode, write: this.#write, columns });
  }

  #onState(run: Run): void {
    const last = this.#last;
    // a new attempt, or a run resumed after waiting for its window, plans again
    if (
      last &&
      (run.attempt !== last.attempt || run.status === "running" && last.status !== "running")
    ) {
      this.#view.finish();
      this.#view = this.#newView();
    }
    if (!last || run.status !== last.status || run.attempt !== last.attempt) {
      const retry = run.status === "pending" && run.error && run.dueAt
        ? `: ${run.error.code}: ${run.error.message}; retrying at ${run.dueAt}`
        : "";
      this.#note(`run ${run.id} ${run.status} (attempt ${run.attempt})${retry}`);
    }
    this.#last = { status: run.status, attempt: run.attempt };
  }

  #note(text: string): void {
    if (this.#options.json || this.#options.mode === "quiet") return;
    this.#view.finish();
    this.#write(text + "\n");
  }
}

/** Follows run `runId` until it ends; returns the final run. */
async function watchRun(api: ApiClient, runId: string, options: WatchOptions): Promise<Run> {
  const display = new WatchDisplay(options);
  let reconnects = options.reconnects ?? 5;
  const path = `/api/v1/runs/${encodeURIComponent(runId)}/events`;
  let connected = false;
  for (;;) {
    let body: ReadableStream<Uint8Array>;
    try {
      body = await api.events(path, options.signal);
      connected = true;
    } catch (err) {
      // a server restarting while we follow comes back: keep trying a few times
      const unreachable = err instanceof NightpullError && err.code === "server_unreachable";
      if (!connected || !unreachable || options.signal?.aborted || reconnects-- <= 0) throw err;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      for await (const e of readEvents(body)) {
        const run = display.onEvent(e);
        if (run) return run;
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // the connection broke mid-stream: reconnect below
    }
    if (options.signal?.aborted || reconnects-- <= 0) {
      throw new NightpullError(
        "server_unreachable",
        `lost the event stream of run ${runId} before it ended; ` +
          `\`nightpull run watch ${runId}\` follows it again`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Watches a run from the command line: SIGINT stops watching (exit 130), the run goes on. */
export async function watchFromCli(
  api: ApiClient,
  runId: string,
  flags: { json?: boolean; quiet?: boolean },
): Promise<number> {
  const mode = stderrProgressMode(Boolean(flags.quiet));
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const run = await watchRun(api, runId, {
      mode,
      json: flags.json,
      columns: mode === "tty" ? terminalColumns() : undefined,
      signal: controller.signal,
    });
    if (!flags.json) console.log(runSummary(run));
    return runExitCode(run);
  } catch (err) {
    if (controller.signal.aborted) {
      console.error(`stopped watching run ${runId}; it goes on in the server`);
      return EXIT.interrupted;
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

/** `nightpull run watch RUN_ID`. */
const watch: Command = async (rest) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: "string" },
        json: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new NightpullError("usage", `watch: ${(err as Error).message}\n${RUN_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(RUN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new NightpullError("usage", `watch: expected one RUN_ID\n${RUN_USAGE}`);
  }
  const config = resolveConfig({ server: values.server }, Deno.env.toObject());
  const api = new ApiClient(config.server, config.apiToken);
  return await watchFromCli(api, positionals[0], values);
};

/** `nightpull run …`; returns the exit code. */
export const runCommand: Command = withSubcommands({ watch }, RUN_USAGE);
