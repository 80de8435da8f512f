/**
 * `parseArgs` options of settings, made from the settings table: a setting with a value
 * placeholder is a string option (repeatable when the table says so), one without is a switch.
 * Every command that takes a setting's flag declares it through here, so its name and kind are
 * the table's.
 *
 * @example
 * ```ts
 * const options = { ...settingOptions("dataDir", "kv"), json: { type: "boolean" } } as const;
 * ```
 * @module
 */
import type { Setting } from "../setting.ts";
import { type SettingKey, SETTINGS, type Settings } from "../settings.ts";

type FlagOf<S> = S extends { flag: infer F extends string } ? F : never;

/** The `parseArgs` option of a setting `S`. */
type OptionOf<S> = S extends { arg: string; multiple: true } ? { type: "string"; multiple: true }
  : S extends { arg: string } ? { type: "string" }
  : { type: "boolean" };

/** The `parseArgs` options of the settings `K`, keyed by flag. */
type SettingOptions<K extends SettingKey> = {
  [P in K as FlagOf<Settings[P]>]: OptionOf<Settings[P]>;
};

/** The option of one setting (it must have a flag). */
function optionOf(setting: Setting<unknown>) {
  if (!setting.arg) return { type: "boolean" as const };
  return setting.multiple ? { type: "string" as const, multiple: true as const } : {
    type: "string" as const,
  };
}

/** The `parseArgs` options of the settings named `keys` (settings without a flag give none). */
export function settingOptions<const K extends SettingKey>(...keys: K[]): SettingOptions<K> {
  const options: Record<string, ReturnType<typeof optionOf>> = {};
  for (const key of keys) {
    const setting: Setting<unknown> = SETTINGS[key];
    if (setting.flag) options[setting.flag] = optionOf(setting);
  }
  return options as SettingOptions<K>;
}
