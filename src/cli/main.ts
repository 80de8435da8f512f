/**
 * The `nightpull` command line: dispatches to one module per command and turns every
 * NightpullError into its contract exit code (DESIGN.md, CLI).
 *
 * @example
 * ```ts
 * Deno.exit(await runCli(["pull", "hf:openai-community/gpt2"]));
 * ```
 * @module
 */
import { EXIT, toNightpullError } from "../errors.ts";
import type { Command } from "./command.ts";
import { settingSource } from "../setting_source.ts";
import { LOG_LEVEL } from "../log_level_setting.ts";
import { scrubSecrets } from "../secrets.ts";

/**
 * Loads a command's module. The specifier is computed rather than written as a literal, so
 * `deno run` does not read and prepare every command's module graph (~9 MB of sources with the
 * server's) before running one: that was about 0.2 s of each invocation. `deno compile` embeds
 * these modules through the compile task's `--include` flags (deno.json).
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  pull: async () => (await load<typeof import("./pull.ts")>("./pull.ts")).pullCommand,
  manifest: async () =>
    (await load<typeof import("./manifest.ts")>("./manifest.ts")).manifestCommand,
  serve: async () => (await load<typeof import("./serve.ts")>("./serve.ts")).serveCommand,
  schedule: async () =>
    (await load<typeof import("./schedule.ts")>("./schedule.ts")).scheduleCommand,
  window: async () => (await load<typeof import("./window.ts")>("./window.ts")).windowCommand,
  run: async () => (await load<typeof import("./run.ts")>("./run.ts")).runCommand,
  cache: async () => (await load<typeof import("./cache.ts")>("./cache.ts")).cacheCommand,
};

/** Top-level usage text. */
export const USAGE =
  `nightpull — scheduled, resumable, verified downloads of Hugging Face repos and files

Usage:
  nightpull serve    [--host 127.0.0.1] [--port 8080] [--data DIR] [--kv PATH|URL] [--timezone TZ]
  nightpull pull     SOURCE [PATH]... [--local-dir DIR | --cache-dir DIR] [--include G]...
                     [--exclude G]... [--repo-type T] [--revision REV] [--dry-run]
                     [--force-download] [--max-workers N] [--connections N] [--quiet]
  nightpull schedule add|ls|show|pause|resume|rm|run|history ...
  nightpull window   set ID 22:00-07:00 [--days mon-fri] [--on-end pause] [--tz TZ]
                     | clear ID | status | validate 22:00-07:00
  nightpull run      watch RUN_ID [--json]          # live progress of a run of the server
  nightpull manifest ls | verify
  nightpull cache    ls [REPO]... | rm REPO[@REV]... | prune [REPO]... --keep N [--dry-run]
                     | verify [REPO]... [--repair]     # the local HF cache; --json everywhere

SOURCE is <org>/<name>, hf:<org>/<name>[@<revision>] (hf:datasets/..., hf:spaces/...,
hf:kernels/...), hf://[datasets/|...]<org>/<name>[@<revision>] or an http(s) URL.
Exit codes: 0 ok, 1 failed, 2 usage, 3 auth, 4 not found, 5 checksum mismatch,
6 not enough disk space, 130 interrupted.`;

/** Runs the CLI with `args` (without the program name) and returns the exit code. */
export async function runCli(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(
      `nightpull: unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(", ")}`,
    );
    return EXIT.usage;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    return reportFailure(`nightpull ${name}`, err, debugRequested(rest, Deno.env.toObject()));
  }
}

/**
 * Prints one line for a failure (`prefix: message`) and returns its exit code. The stack of
 * an unexpected error follows only when `debug` (`--log-level debug`) asked for it.
 */
export function reportFailure(prefix: string, err: unknown, debug: boolean): number {
  const e = toNightpullError(err);
  console.error(`${prefix}: ${scrubSecrets(e.message)}`);
  for (let at: unknown = err, depth = 0; debug && at instanceof Error && depth < 5; depth++) {
    const stack = scrubSecrets(at.stack ?? "");
    console.error(depth === 0 ? stack : `caused by: ${stack}`);
    at = at.cause;
  }
  return e.exitCode;
}

/** True when `--log-level debug` is among `args` or `NIGHTPULL_LOG_LEVEL=debug` is set. */
export function debugRequested(args: string[], env: Record<string, string | undefined>): boolean {
  const name = `--${LOG_LEVEL.flag}`;
  const at = args.indexOf(name);
  const flag = at >= 0
    ? args[at + 1]
    : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  return settingSource(LOG_LEVEL, { "log-level": flag }, env)?.value === "debug";
}
