/**
 * What the `nightpull schedule` subcommands share: the usage text, argument parsing with
 * usage errors, the API client, printing and the schedule's API path.
 *
 * @example
 * ```ts
 * const { values, positionals } = parse("show", ["abc"], {}, 1);
 * ```
 * @module
 */
import { PAGE_MAX } from "../store/page.ts";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveConfig } from "../config.ts";
import { EXIT, NightpullError } from "../errors.ts";
import { ApiClient } from "./api_client.ts";
import { settingOptions } from "./setting_options.ts";

/** Usage of `nightpull schedule`. */
export const SCHEDULE_USAGE = `Usage:
  nightpull schedule add SOURCE (--cron EXPR | --every DUR | --at ISO) [--tz TZ] [--name N]
                     [--description TEXT] [--label KEY=VALUE]... [--priority 1-10]
                     [--include G]... [--exclude G]... [--local-dir DIR] [--retries N]
                     [--overlap skip|queue] [--webhook URL] [--webhook-secret S]
                     [--misfire-grace DUR] [--window 22:00-07:00]... [--days mon-fri]
                     [--on-end continue|pause] [--bandwidth RATE|TIMETABLE]
  nightpull schedule ls [--status active|paused|completed|deleted] [--label KEY=VALUE]...
                    [--limit N] [--cursor C]
  nightpull schedule show ID
  nightpull schedule pause ID | resume ID
  nightpull schedule rm ID [--hard]
  nightpull schedule run ID [--force] [--follow]
  nightpull schedule history ID [--limit N] [--cursor C]
Every subcommand takes --server URL (default NIGHTPULL_URL or http://127.0.0.1:8080) and --json.
The token comes from NIGHTPULL_TOKEN.`;

/** parseArgs options. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every subcommand takes. */
const COMMON: Options = {
  ...settingOptions("server"),
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** `--limit` and `--cursor`. */
export const PAGING: Options = { limit: { type: "string" }, cursor: { type: "string" } };

/** A subcommand's parsed arguments. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Throws a usage error followed by the usage text. */
export function usage(message: string): never {
  throw new NightpullError("usage", `${message}\n${SCHEDULE_USAGE}`);
}

/** Parses a subcommand's arguments, expecting `positionals` of them (0 or 1). */
export function parse(sub: string, args: string[], options: Options, positionals: number): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    }) as Parsed;
  } catch (err) {
    usage(`${sub}: ${(err as Error).message}`);
  }
  if (!parsed.values.help && parsed.positionals.length !== positionals) {
    usage(
      `${sub}: expected ${positionals === 1 ? "one argument" : "no arguments"}` +
        `${
          parsed.positionals.length
            ? `, got ${parsed.positionals.map((p) => `"${p}"`).join(" ")}`
            : ""
        }`,
    );
  }
  return parsed;
}

/** The API client for `--server` (else NIGHTPULL_URL) with NIGHTPULL_TOKEN. */
export function client(values: Parsed["values"]): ApiClient {
  const config = resolveConfig(
    { server: values.server as string | undefined },
    Deno.env.toObject(),
  );
  return new ApiClient(config.server, config.apiToken);
}

/** Prints a line of text. */
export function print(text: string): void {
  console.log(text);
}

/** Prints a value as indented JSON. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** `--limit` as a number from 1 to PAGE_MAX (200), the API's bounds. */
export function limitOf(values: Parsed["values"]): number | undefined {
  const raw = values.limit as string | undefined;
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > PAGE_MAX) {
    usage(`invalid --limit "${raw}": expected a whole number from 1 to ${PAGE_MAX}`);
  }
  return Number(raw);
}

/** The API path of schedule `id` (and a suffix). */
export const path = (id: string, suffix = "") =>
  `/api/v1/schedules/${encodeURIComponent(id)}${suffix}`;

/** Prints the usage text; returns the exit code 0. */
export function help(): number {
  print(SCHEDULE_USAGE);
  return EXIT.ok;
}
