/**
 * `nightpull serve`'s flags and `--help`, made from the settings table: every setting with a
 * flag (but the management commands' `--server`) is an option of `serve`.
 *
 * @example
 * ```ts
 * const flags = parseServeFlags(["--port", "9000", "--allow-origin", "http://a:1"]);
 * ```
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { ConfigFlags } from "../config.ts";
import { NightpullError } from "../errors.ts";
import type { Setting } from "../setting.ts";
import { type SettingKey, SETTINGS } from "../settings.ts";
import { settingOptions } from "./setting_options.ts";
import { settingsHelp } from "./settings_doc.ts";

const SERVE_SETTINGS = (Object.entries(SETTINGS) as [SettingKey, Setting<unknown>][])
  .filter(([, s]) => !!s.flag && !s.client);

/** Usage of `nightpull serve`. */
export const SERVE_USAGE = `Usage:
  nightpull serve [OPTION]...

Options (each with its environment variable, its key in the config file and its default;
a flag wins over the environment, the environment over the config file):
${settingsHelp()}
  -h, --help                     this text

Also read from the environment:
${settingsHelp((s) => !s.flag)}

The API token comes from NIGHTPULL_TOKEN or --token-file; without one the server only
listens on loopback addresses unless --insecure-no-auth is given, and answers only
same-origin requests to localhost/127.0.0.1/[::1] on its port (--allow-origin names a web
origin that may call it too). --allow-hosts limits where API-created URL sources and webhooks
may connect (link-local and metadata addresses are always refused). --config (or
NIGHTPULL_CONFIG) names a JSON file of settings and schedules; flags and the environment
win over it. --min-free (NIGHTPULL_MIN_FREE, default 1G) is the space a run leaves free:
a run that would not fit fails insufficient_space before transferring.`;

/** The `parseArgs` options of `serve`: one per setting with a flag, and `--help`. */
function serveOptions(): ParseArgsOptionsConfig {
  const keys = SERVE_SETTINGS.map(([key]) => key);
  return { ...settingOptions(...keys), help: { type: "boolean", short: "h" } };
}

/** `serve`'s arguments as flag values (a repeated flag's values joined with commas). */
export function parseServeFlags(args: string[]): ConfigFlags & { help?: boolean } {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args, strict: true, allowPositionals: false, options: serveOptions() })
      .values;
  } catch (err) {
    throw new NightpullError(
      "usage",
      `${(err as Error).message}\nUsage: nightpull serve [OPTION]... ("nightpull serve --help" ` +
        "lists the options)",
    );
  }
  const flags: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) flags[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return flags;
}
