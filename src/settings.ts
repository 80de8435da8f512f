/**
 * The one table of settings: for each, its flag, environment variables, config-file key (under
 * `server`), how its value is read and its default, with the words `--help` and the README
 * show. Flag parsing (`serve`), environment lookups, the config file's keys and value types,
 * `nightpull serve --help` and the README's settings table are all made from it.
 *
 * Precedence, for every setting: flag > environment (the first variable of `env` set to a
 * non-empty value) > config file > default.
 *
 * @example
 * ```ts
 * SETTINGS.port.flag; // "port"
 * SETTINGS.port.env; // ["NIGHTPULL_PORT"]
 * ```
 * @module
 */
import { join } from "node:path";
import { registerSecret } from "./secrets.ts";
import { HF_SETTINGS } from "./hf_settings.ts";
import { LOG_LEVEL } from "./log_level_setting.ts";
import { type RawValue, type Setting, SettingError } from "./setting.ts";
import { isValidTimezone, systemTimezone } from "./time/time_zone.ts";
import {
  apiTokenFromFile,
  apiTokenValue,
  bandwidth,
  byteSize,
  hostPatterns,
  oneOf,
  origins,
  wholeNumber,
} from "./setting_values.ts";

/** Default reserve kept free on the target filesystem (`--min-free`): 1 GiB. */
const DEFAULT_MIN_FREE = 1024 ** 3;

/** Default number of connections for one large file. */
export const DEFAULT_CONNECTIONS = 16;

const text = (raw: RawValue | undefined, fallback: string) =>
  raw === undefined ? fallback : String(raw);
const home = (env: Record<string, string | undefined>) => env.HOME ?? env.USERPROFILE ?? ".";
const noSlash = (url: string) => url.replace(/\/+$/, "");

/** The settings, in the README's order. */
export const SETTINGS = {
  host: {
    doc: "listen address",
    flag: "host",
    arg: "HOST",
    env: ["NIGHTPULL_HOST"],
    file: "host",
    fileType: "string",
    defaultDoc: "`127.0.0.1`",
    read: (raw) => text(raw, "127.0.0.1"),
  },
  port: {
    doc: "port",
    flag: "port",
    arg: "N",
    env: ["NIGHTPULL_PORT"],
    file: "port",
    fileType: "number",
    defaultDoc: "`8080`",
    read: (raw) => raw === "0" || raw === 0 ? 0 : wholeNumber(raw, 1, 65535, 8080),
  },
  dataDir: {
    doc: "data dir",
    flag: "data",
    arg: "DIR",
    env: ["NIGHTPULL_DATA"],
    file: "data",
    fileType: "string",
    defaultDoc: "`$XDG_DATA_HOME/nightpull` (`~/.local/share/nightpull`)",
    read: (raw, ctx) =>
      ctx.path(text(
        raw,
        join(ctx.env.XDG_DATA_HOME ?? join(home(ctx.env), ".local", "share"), "nightpull"),
      )),
  },
  kv: {
    doc: "KV file or KV Connect URL",
    flag: "kv",
    arg: "PATH|URL",
    env: ["NIGHTPULL_KV"],
    file: "kv",
    fileType: "string",
    defaultDoc: "`<data>/nightpull.kv`",
    // `:memory:` and KV Connect URLs are not paths; anything else is expanded like one
    read: (raw, ctx) => {
      if (raw === undefined) return join(ctx.dataDir(), "nightpull.kv");
      const kv = String(raw);
      return kv === ":memory:" || /^https?:\/\//i.test(kv) ? kv : ctx.path(kv);
    },
  },
  timezone: {
    doc: "default time zone",
    flag: "timezone",
    arg: "TZ",
    env: ["NIGHTPULL_TIMEZONE"],
    file: "timezone",
    fileType: "string",
    defaultDoc: "the system zone",
    read: (raw) => {
      const zone = text(raw, systemTimezone());
      if (isValidTimezone(zone)) return zone;
      throw new SettingError(
        () =>
          `unknown timezone ${JSON.stringify(zone)}: expected an IANA zone such as ` +
          '"Europe/Berlin" or "UTC"',
        "invalid_timezone",
      );
    },
  },
  apiToken: {
    doc: "API token",
    flag: "token-file",
    arg: "FILE",
    env: ["NIGHTPULL_TOKEN_FILE", "NIGHTPULL_TOKEN"],
    envDoc: "`NIGHTPULL_TOKEN` (the token), `NIGHTPULL_TOKEN_FILE`",
    file: "tokenFile",
    fileType: "string",
    defaultDoc: "none: `/api/v1` only on loopback",
    read: (raw, ctx, from): string | undefined => {
      if (raw === undefined) return undefined;
      const token = from === "NIGHTPULL_TOKEN"
        ? apiTokenValue(String(raw), () => "NIGHTPULL_TOKEN")
        : apiTokenFromFile(ctx.path(String(raw)));
      registerSecret(token);
      return token;
    },
  },
  insecureNoAuth: {
    doc: "serve beyond loopback without a token",
    flag: "insecure-no-auth",
    env: ["NIGHTPULL_INSECURE_NO_AUTH"],
    envDoc: "`NIGHTPULL_INSECURE_NO_AUTH=1`",
    file: "insecureNoAuth",
    fileType: "boolean",
    defaultDoc: "off",
    read: (raw) => raw === true || raw === "1",
  },
  allowOrigins: {
    doc: "web origins that may call the API",
    flag: "allow-origin",
    arg: "ORIGIN",
    multiple: true,
    env: ["NIGHTPULL_ALLOW_ORIGIN"],
    envDoc: "`NIGHTPULL_ALLOW_ORIGIN` (comma-separated)",
    file: "allowOrigin",
    fileType: "string",
    defaultDoc: "none: same origin only, CORS closed",
    read: origins,
  },
  allowHosts: {
    doc: "hosts URL sources and webhooks reach",
    flag: "allow-hosts",
    arg: "LIST",
    multiple: true,
    env: ["NIGHTPULL_ALLOW_HOSTS"],
    envDoc: "`NIGHTPULL_ALLOW_HOSTS` (comma-separated)",
    file: "allowHosts",
    fileType: "string",
    defaultDoc: "any, but link-local/metadata addresses",
    read: hostPatterns,
  },
  historyDays: {
    doc: "run history kept (days)",
    flag: "history-days",
    arg: "N",
    env: ["NIGHTPULL_HISTORY_DAYS"],
    file: "historyDays",
    fileType: "number",
    defaultDoc: "`30`",
    read: (raw) => wholeNumber(raw, 1, 3650, 30),
  },
  maxDownloads: {
    doc: "runs at once",
    flag: "max-downloads",
    arg: "N",
    env: ["NIGHTPULL_MAX_DOWNLOADS"],
    file: "maxDownloads",
    fileType: "number",
    defaultDoc: "`4`",
    read: (raw) => wholeNumber(raw, 1, 64, 4),
  },
  connections: {
    doc: "connections per large file",
    flag: "connections",
    arg: "N",
    env: ["NIGHTPULL_CONNECTIONS"],
    file: "connections",
    fileType: "number",
    defaultDoc: `\`${DEFAULT_CONNECTIONS}\``,
    read: (raw) => wholeNumber(raw, 1, 32, DEFAULT_CONNECTIONS),
  },
  bwlimit: {
    doc: "bandwidth limit",
    flag: "bwlimit",
    arg: "RATE|TIMETABLE",
    env: ["NIGHTPULL_BWLIMIT"],
    file: "bwlimit",
    fileType: "string",
    defaultDoc: "off",
    read: bandwidth,
  },
  minFree: {
    doc: "space a run leaves free",
    flag: "min-free",
    arg: "SIZE",
    env: ["NIGHTPULL_MIN_FREE"],
    file: "minFree",
    fileType: "string",
    defaultDoc: "`1G`",
    read: (raw) => raw === undefined || raw === "" ? DEFAULT_MIN_FREE : byteSize(raw),
  },
  logFormat: {
    doc: "log format",
    flag: "log-format",
    arg: "text|json",
    env: ["NIGHTPULL_LOG_FORMAT"],
    file: "logFormat",
    fileType: "string",
    defaultDoc: "`text` (`json`)",
    read: (raw) => oneOf(raw, ["text", "json"], "text"),
  },
  logLevel: LOG_LEVEL,
  hubCache: {
    doc: "HF cache (`hf-cache` layout)",
    flag: "cache-dir",
    arg: "DIR",
    // as huggingface_hub's constants.py: HF_HUB_CACHE, then the legacy name, then $HF_HOME/hub
    env: ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"],
    envDoc: "`HF_HUB_CACHE`, else legacy `HUGGINGFACE_HUB_CACHE`",
    file: "cacheDir",
    fileType: "string",
    defaultDoc: "`$HF_HOME/hub`",
    read: (raw, ctx) => ctx.path(text(raw, join(ctx.hfHome(), "hub"))),
  },
  ...HF_SETTINGS,
  configFile: {
    doc: "config file",
    flag: "config",
    arg: "FILE",
    env: ["NIGHTPULL_CONFIG"],
    defaultDoc: "none",
    read: (raw) => raw === undefined || raw === "" ? undefined : String(raw),
  },
  server: {
    doc: "server of the CLI commands",
    flag: "server",
    arg: "URL",
    client: true,
    env: ["NIGHTPULL_URL"],
    defaultDoc: "`http://127.0.0.1:8080`",
    read: (raw) => noSlash(text(raw, "http://127.0.0.1:8080")),
  },
} as const satisfies Record<string, Setting<unknown>>;

/** The table's type. */
export type Settings = typeof SETTINGS;

/** A setting's name (its Config field). */
export type SettingKey = keyof Settings;

/** The names of all settings, in the table's order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** How `--help` and messages name a setting: its flag, else its first environment variable. */
export function settingLabel(setting: Setting<unknown>): string {
  return setting.flag ? `--${setting.flag}` : setting.env?.[0] ?? "";
}
