/**
 * Where a setting's raw value comes from: its flag wins over its environment variables (the
 * first one set to a non-empty value). Apart from `config.ts` so that the CLI's entry can ask
 * for one setting (`--log-level`) without loading the settings table and `node:path` on every
 * start.
 *
 * @example
 * ```ts
 * settingSource(SETTINGS.port, { port: "9000" }, Deno.env.toObject()); // { value: "9000", from: "--port" }
 * ```
 * @module
 */
import type { RawValue, Setting } from "./setting.ts";

/** Where a setting's raw value came from: its value and the source's name. */
export interface SettingSource {
  value: RawValue;
  /** `--flag`, the environment variable's name, or `file`. */
  from: string;
}

/** The first environment variable of `setting` set to a non-empty value. */
export function envSource(
  setting: Setting<unknown>,
  env: Record<string, string | undefined>,
): SettingSource | undefined {
  const name = setting.env?.find((n) => env[n] !== undefined && env[n] !== "");
  return name === undefined ? undefined : { value: env[name]!, from: name };
}

/** The value of `setting` from flags, else the environment; undefined when neither has it. */
export function settingSource(
  setting: Setting<unknown>,
  flags: { readonly [flag: string]: RawValue | undefined },
  env: Record<string, string | undefined>,
): SettingSource | undefined {
  const flag = setting.flag === undefined ? undefined : flags[setting.flag];
  if (flag !== undefined) return { value: flag, from: `--${setting.flag}` };
  return envSource(setting, env);
}
