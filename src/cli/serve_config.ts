/**
 * The server's configuration from its four sources: flags > environment > config file
 * (`--config FILE` or `NIGHTPULL_CONFIG`) > defaults. A bad file stops start-up with
 * `file:field: reason` (exit 2); its declared schedules are returned for start-up to apply.
 *
 * @example
 * ```ts
 * const { config, file } = await serveConfig({ port: "9000", config: "nightpull.json" }, Deno.env.toObject());
 * ```
 * @module
 */
import { type Config, type ConfigFlags, resolveConfig } from "../config.ts";
import { settingSource } from "../setting_source.ts";
import { SETTINGS } from "../settings.ts";
import { checkFileSettings, type ConfigFile, loadConfigFile, mergeFlags } from "../config_file.ts";

/** Resolves the Config; `file` is the parsed config file, null when none was named. */
export async function serveConfig(
  flags: ConfigFlags,
  env: Record<string, string | undefined>,
): Promise<{ config: Config; file: ConfigFile | null }> {
  const filePath = SETTINGS.configFile.read(settingSource(SETTINGS.configFile, flags, env)?.value);
  if (!filePath) return { config: resolveConfig(flags, env), file: null };
  const file = await loadConfigFile(filePath);
  checkFileSettings(file, env);
  return { config: resolveConfig(mergeFlags(file.settings, flags, env), env), file };
}
