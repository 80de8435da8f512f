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
import { type ConfigFlags, settingFailure } from "./config.ts";
import { envSource } from "./setting_source.ts";
import { NightpullError } from "./errors.ts";
import type { Setting, SettingContext } from "./setting.ts";
import { expandPath } from "./path_expand.ts";
import { SETTINGS } from "./settings.ts";

/** The settings a config file may hold under `server`, by their file key. */
const FILE_SETTINGS: ReadonlyMap<string, Setting<unknown> & { flag: string }> = new Map(
  Object.values(SETTINGS as Record<string, Setting<unknown>>)
    .filter((s): s is Setting<unknown> & { flag: string; file: string } => !!s.file && !!s.flag)
    .map((s) => [s.file, s]),
);

/**
 * A parsed config file: settings by flag name with the file's JSON values (a number stays a
 * number), and schedule bodies by name (unvalidated).
 */
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
  const settings = fileSettings(path, root.server ?? {});
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

/** The `server` object's settings, each of its table type, keyed by flag name. */
function fileSettings(path: string, server: unknown): ConfigFlags {
  if (server === null || typeof server !== "object" || Array.isArray(server)) {
    throw bad(path, "server", "expected an object of settings");
  }
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(server)) {
    const setting = FILE_SETTINGS.get(key);
    if (!setting) {
      const allowed = [...FILE_SETTINGS.keys()].join(", ");
      throw bad(path, `server.${key}`, `unknown setting (allowed: ${allowed})`);
    }
    if ((typeof value as string) !== setting.fileType) {
      throw bad(
        path,
        `server.${key}`,
        `expected a ${setting.fileType}, got ${JSON.stringify(value)}`,
      );
    }
    settings[setting.flag] = value;
  }
  return settings as ConfigFlags;
}

/**
 * Checks each setting of the file on its own, as the server would read it, so a bad value is
 * reported as `file:server.<key>: reason` rather than as a flag the user never typed.
 */
export function checkFileSettings(
  file: ConfigFile,
  env: Record<string, string | undefined> = {},
): void {
  const values = file.settings as Record<string, ConfigFlags[keyof ConfigFlags]>;
  // a file value is never a default, so nothing here needs another setting's value
  const ctx: SettingContext = {
    env,
    path: (raw) => expandPath(raw, env),
    dataDir: () => "",
    hfHome: () => "",
  };
  for (const [key, setting] of FILE_SETTINGS) {
    const value = values[setting.flag];
    if (value === undefined) continue;
    try {
      setting.read(value, ctx, "file");
    } catch (err) {
      const failure = settingFailure(err, "");
      if (!(failure instanceof NightpullError)) throw failure;
      throw bad(file.path, `server.${key}`, failure.message);
    }
  }
}

/** Merges flags over file settings (flags win; the environment is applied by resolveConfig). */
export function mergeFlags(
  file: ConfigFlags,
  flags: ConfigFlags,
  env: Record<string, string | undefined>,
): ConfigFlags {
  const fromFile: Record<string, unknown> = {};
  for (const setting of FILE_SETTINGS.values()) {
    const value = (file as Record<string, unknown>)[setting.flag];
    // an environment variable beats the file
    if (value !== undefined && !envSource(setting, env)) fromFile[setting.flag] = value;
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...defined } as ConfigFlags;
}
