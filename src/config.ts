/**
 * Flags + environment -> one {@link Config}, as the settings table (`settings.ts`) says: each
 * setting's flag wins over its environment variables, those over the default. The config file's
 * values reach here merged under the flags (`mergeFlags` in config_file.ts). The hub token itself
 * is looked up by `resolveHfToken` (hf_env.ts).
 *
 * @example
 * ```ts
 * const config = resolveConfig({ port: "9000" }, Deno.env.toObject());
 * ```
 * @module
 */
import { join } from "node:path";
import { NightpullError } from "./errors.ts";
import { expandPath } from "./path_expand.ts";
import { cleanToken } from "./hf_env.ts";
import type { RawValue, Setting, SettingContext } from "./setting.ts";
import { SettingError } from "./setting.ts";
import { SETTING_KEYS, settingLabel, SETTINGS, type Settings } from "./settings.ts";
import { settingSource } from "./setting_source.ts";

type Values = { [K in keyof Settings]: ReturnType<Settings[K]["read"]> };
type OptionalKeys = { [K in keyof Values]: undefined extends Values[K] ? K : never }[keyof Values];

/**
 * Settings shared by `serve`, `pull` and the management commands: one field per row of the
 * settings table (documented there), plus what follows from them.
 */
export type Config =
  & { [K in Exclude<keyof Values, OptionalKeys>]: Values[K] }
  & { [K in OptionalKeys]?: Values[K] }
  & {
    /** Default directory for URL downloads: `<data>/downloads`. */
    downloadsDir: string;
    /** A hub token given on the command line (`pull --token`): wins over every other place. */
    hfToken?: string;
  };

type FlagOf<S> = S extends { flag: infer F extends string } ? F : never;

/**
 * Raw option values by flag name, as `parseArgs` gives them (text, `true` for a switch) or as
 * the config file gives them (JSON values), plus `pull --token`.
 */
export type ConfigFlags =
  & { [K in keyof Settings as FlagOf<Settings[K]>]?: RawValue }
  & { token?: string };

/** Turns a {@link SettingError} into the user's error, naming the setting by `label`. */
export function settingFailure(err: unknown, label: string): unknown {
  if (!(err instanceof SettingError)) return err;
  return new NightpullError(err.code, err.say(label));
}

/**
 * Builds the Config from flags and an environment map. Throws `usage` naming the bad value.
 * The API token file is read here because a token given by file is part of the config.
 */
export function resolveConfig(
  flags: ConfigFlags,
  env: Record<string, string | undefined>,
): Config {
  const values: Partial<Record<keyof Settings, unknown>> = {};
  const value = (key: keyof Settings): unknown => {
    if (key in values) return values[key];
    const setting: Setting<unknown> = SETTINGS[key];
    const source = settingSource(setting, flags, env);
    try {
      return values[key] = setting.read(source?.value, ctx, source?.from);
    } catch (err) {
      throw settingFailure(err, settingLabel(setting));
    }
  };
  const ctx: SettingContext = {
    env,
    path: (raw) => expandPath(raw, env),
    dataDir: () => value("dataDir") as string,
    hfHome: () => value("hfHome") as string,
  };
  // The default time zone (the system's) costs the runtime its time-zone data, 20-150 ms of a
  // CLI run: it is looked up when first read, which a pull without --bwlimit never does.
  const systemZone = settingSource(SETTINGS.timezone, flags, env) === undefined;
  for (const key of SETTING_KEYS) if (key !== "timezone" || !systemZone) value(key);
  const resolved = values as Values;
  const config: Config = {
    ...resolved,
    downloadsDir: join(resolved.dataDir, "downloads"),
    ...(flags.token ? { hfToken: cleanToken(flags.token) } : {}),
  };
  if (systemZone) {
    Object.defineProperty(config, "timezone", {
      get: () => value("timezone"),
      enumerable: true,
      configurable: true,
    });
  }
  return config;
}
