/**
 * The config file (`--config nightpull.json` or `NIGHTPULL_CONFIG`): server settings under
 * `server`, and declarative schedules keyed by name under `schedules`, so a deployment keeps its
 * schedules in version control. Precedence: flags > environment > file > defaults. A bad file
 * stops start-up with `file:field: reason`.
 *
 * @example
 * ```json
 * { "server": { "port": 8080, "timezone": "Europe/Berlin" },
 *   "schedules": { "gpt2-nightly": { "source": "hf:openai-community/gpt2",
 *                                    "trigger": { "type": "cron", "expression": "0 2 * * *" } } } }
 * ```
 * @module
 */
import { type ConfigFlags, resolveConfig } from "./config.ts";
import { NightpullError } from "./errors.ts";

/** Settings a config file may hold, under `server`, with their value types. */
const SERVER_KEYS = {
  host: "string",
  port: "number",
  data: "string",
  kv: "string",
  timezone: "string",
  tokenFile: "string",
  hfTokenFile: "string",
  cacheDir: "string",
  historyDays: "number",
  maxDownloads: "number",
  connections: "number",
  bwlimit: "string",
  minFree: "string",
  logFormat: "string",
  logLevel: "string",
  insecureNoAuth: "boolean",
  allowOrigin: "string",
  allowHosts: "string",
} as const;

type ServerKey = keyof typeof SERVER_KEYS;

const FLAG_NAMES: Record<ServerKey, keyof ConfigFlags> = {
  host: "host",
  port: "port",
  data: "data",
  kv: "kv",
  timezone: "timezone",
  tokenFile: "token-file",
  hfTokenFile: "hf-token-file",
  cacheDir: "cache-dir",
  historyDays: "history-days",
  maxDownloads: "max-downloads",
  connections: "connections",
  bwlimit: "bwlimit",
  minFree: "min-free",
  logFormat: "log-format",
  logLevel: "log-level",
  insecureNoAuth: "insecure-no-auth",
  allowOrigin: "allow-origin",
  allowHosts: "allow-hosts",
};

/** A parsed config file: settings as flag values, and schedule bodies by name (unvalidated). */
export interface ConfigFile {
  path: string;
  settings: ConfigFlags;
  schedules: Record<string, Record<string, unknown>>;
}

function bad(path: string, field: string, reason: string): NightpullError {
  return new NightpullError("invalid_config", `${path}:${field}: ${reason}`, { file: path, field });
}

/** Reads and checks the shape of a config file; schedule bodies are validated by the service. */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw bad(path, "-", `cannot read the file: ${(err as Error).message}`);
  }
  return parseConfigFile(path, text);
}

/** Parses config file text (see {@link loadConfigFile}). */
export function parseConfigFile(path: string, text: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad(path, "-", `not valid JSON: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw bad(path, "-", 'expected an object with "server" and/or "schedules"');
  }
  const root = data as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== "server" && key !== "schedules" && key !== "$schema") {
      throw bad(path, key, 'unknown field (allowed: "server", "schedules")');
    }
  }
  const settings: ConfigFlags = {};
  const server = root.server ?? {};
  if (server === null || typeof server !== "object" || Array.isArray(server)) {
    throw bad(path, "server", "expected an object of settings");
  }
  for (const [key, value] of Object.entries(server)) {
    if (!Object.hasOwn(SERVER_KEYS, key)) {
      throw bad(
        path,
        `server.${key}`,
        `unknown setting (allowed: ${Object.keys(SERVER_KEYS).join(", ")})`,
      );
    }
    const want = SERVER_KEYS[key as ServerKey];
    if ((typeof value as string) !== want) {
      throw bad(path, `server.${key}`, `expected a ${want}, got ${JSON.stringify(value)}`);
    }
    const flag = FLAG_NAMES[key as ServerKey];
    (settings as Record<string, unknown>)[flag] = want === "number" ? String(value) : value;
  }
  const schedules: Record<string, Record<string, unknown>> = {};
  const list = root.schedules ?? {};
  if (list === null || typeof list !== "object" || Array.isArray(list)) {
    throw bad(path, "schedules", "expected an object of schedules keyed by name");
  }
  for (const [name, body] of Object.entries(list)) {
    if (!/^[\w.-]{1,100}$/.test(name)) {
      throw bad(
        path,
        `schedules.${name}`,
        "a schedule name is 1-100 letters, digits, '.', '_' or '-'",
      );
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw bad(path, `schedules.${name}`, "expected a schedule object");
    }
    if ("name" in body && (body as { name: unknown }).name !== name) {
      throw bad(path, `schedules.${name}.name`, "the key is the name; leave out name or repeat it");
    }
    schedules[name] = { ...(body as Record<string, unknown>), name };
  }
  return { path, settings, schedules };
}

/**
 * Checks each setting of the file on its own, as the server would read it, so a bad value is
 * reported as `file:server.<key>: reason` rather than as a flag the user never typed.
 */
export function checkFileSettings(file: ConfigFile): void {
  for (const [key, flag] of Object.entries(FLAG_NAMES) as [ServerKey, keyof ConfigFlags][]) {
    const value = file.settings[flag];
    if (value === undefined) continue;
    try {
      resolveConfig({ [flag]: value }, {});
    } catch (err) {
      const reason = (err as Error).message.replace(`--${flag} `, "");
      throw bad(file.path, `server.${key}`, reason);
    }
  }
}

/** Merges flags over file settings (flags win; the environment is applied by resolveConfig). */
export function mergeFlags(
  file: ConfigFlags,
  flags: ConfigFlags,
  env: Record<string, string | undefined>,
): ConfigFlags {
  // An environment variable beats the file: drop file settings the environment provides.
  const envBacked: Partial<Record<keyof ConfigFlags, string | string[]>> = {
    data: "NIGHTPULL_DATA",
    kv: "NIGHTPULL_KV",
    host: "NIGHTPULL_HOST",
    port: "NIGHTPULL_PORT",
    timezone: "NIGHTPULL_TIMEZONE",
    // the token itself in the environment beats a token file named in the file
    "token-file": ["NIGHTPULL_TOKEN_FILE", "NIGHTPULL_TOKEN"],
    "cache-dir": ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"],
    "history-days": "NIGHTPULL_HISTORY_DAYS",
    "max-downloads": "NIGHTPULL_MAX_DOWNLOADS",
    connections: "NIGHTPULL_CONNECTIONS",
    "log-format": "NIGHTPULL_LOG_FORMAT",
    "log-level": "NIGHTPULL_LOG_LEVEL",
    "insecure-no-auth": "NIGHTPULL_INSECURE_NO_AUTH",
    bwlimit: "NIGHTPULL_BWLIMIT",
    "min-free": "NIGHTPULL_MIN_FREE",
    "allow-origin": "NIGHTPULL_ALLOW_ORIGIN",
    "allow-hosts": "NIGHTPULL_ALLOW_HOSTS",
  };
  const fromFile: ConfigFlags = {};
  for (const [key, value] of Object.entries(file) as [keyof ConfigFlags, unknown][]) {
    const names = [envBacked[key] ?? []].flat();
    if (names.some((name) => env[name])) continue;
    (fromFile as Record<string, unknown>)[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...defined };
}
