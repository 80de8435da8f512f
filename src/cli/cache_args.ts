/**
 * Arguments shared by the `nightpull cache` subcommands: usage text, the common options
 * (`--cache-dir`, `--json`, `--data`, `--kv`), and REPO arguments.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCacheArgs(args, { keep: { type: "string" } });
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, resolveConfig } from "../config.ts";
import { NightpullError } from "../errors.ts";
import { parseRepoArg, type RepoArg } from "../download/cache/repo_arg.ts";
import { usageError } from "./command.ts";
import { settingOptions } from "./setting_options.ts";

/** Usage text of `nightpull cache`. */
export const CACHE_USAGE = `Usage:
  nightpull cache ls     [REPO]... [--json]
  nightpull cache rm     REPO[@REV]... [--json]
  nightpull cache prune  [REPO]... --keep N [--dry-run] [--json]
  nightpull cache verify [REPO]... [--repair] [--json]
All take --cache-dir DIR (default $HF_HUB_CACHE, else $HF_HOME/hub) and work on the cache on
this machine. REPO is org/name, datasets/org/name or spaces/org/name; REV a ref (main, v1.0)
or a commit (7+ hex). rm without @REV removes the whole repo; blobs a kept revision still uses
stay. prune keeps the newest N revisions of each repo plus any a ref names; --dry-run lists
what would go and changes nothing. verify re-hashes every blob against its name: exit 5
listing the bad ones, or with --repair fetches them again and exits 0. Blobs another process
holds the lock of (a download in progress) are left alone.`;

/** Options every cache subcommand takes. */
const CACHE_OPTIONS = {
  ...settingOptions("hubCache", "dataDir", "kv"),
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses a subcommand's arguments strictly with the common options plus `extra`. */
export function parseCacheArgs<E extends Record<string, { type: "string" | "boolean" }>>(
  args: string[],
  extra: E,
) {
  try {
    return parseArgs({
      args,
      options: { ...CACHE_OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageError(`${(err as Error).message}\n${CACHE_USAGE}`);
  }
}

/** The config of a cache command (`--cache-dir`, `--data`, `--kv` and the environment). */
export function cacheConfig(values: { "cache-dir"?: string; data?: string; kv?: string }): Config {
  return resolveConfig(
    { "cache-dir": values["cache-dir"], data: values.data, kv: values.kv },
    Deno.env.toObject(),
  );
}

/** REPO arguments; a malformed one is a usage error. */
export function repoArgs(positionals: string[], allowRevision: boolean): RepoArg[] {
  return positionals.map((p) => {
    try {
      return parseRepoArg(p, allowRevision);
    } catch (err) {
      throw new NightpullError("usage", (err as Error).message);
    }
  });
}
