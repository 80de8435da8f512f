/**
 * The shape of one setting of the table in `settings.ts`: where its value may come from (flag,
 * environment, config file), the words `--help` and the README show, and how its value is read.
 * A bad value throws {@link SettingError}, which words the message for the source that gave it.
 *
 * @example
 * ```ts
 * const host: Setting<string> = {
 *   doc: "listen address", flag: "host", arg: "HOST", env: ["NIGHTPULL_HOST"],
 *   defaultDoc: "`127.0.0.1`", read: (raw) => raw === undefined ? "127.0.0.1" : String(raw),
 * };
 * ```
 * @module
 */
import type { ErrorCode } from "./errors.ts";

/** A value as a source gives it: text (flag, environment) or JSON (config file). */
export type RawValue = string | number | boolean;

/**
 * A bad setting value. `say(label)` words it with the setting named as `label` (`--port`, an
 * environment variable), or without a name when the caller names it (a config file field).
 */
export class SettingError extends Error {
  /** The message with the setting named as `label`, or unnamed. */
  readonly say: (label?: string) => string;
  /** The error code the message carries when it reaches the user. */
  readonly code: ErrorCode;

  /** `say` builds the message; `code` is `usage` unless the value has its own code. */
  constructor(say: (label?: string) => string, code: ErrorCode = "usage") {
    super(say());
    this.name = "SettingError";
    this.say = say;
    this.code = code;
  }
}

/** What a setting's reader may consult besides its own value. */
export interface SettingContext {
  /** The environment (for defaults such as `$XDG_DATA_HOME`). */
  readonly env: Record<string, string | undefined>;
  /** `~` and `$VAR` expanded from the environment. */
  path(raw: string): string;
  /** The resolved data dir (a default below it). */
  dataDir(): string;
  /** The resolved `$HF_HOME` (defaults below it). */
  hfHome(): string;
}

/** One setting: where it comes from, what it means, how its value is read. */
export interface Setting<T> {
  /** What it is, as `--help` and the README name it. */
  readonly doc: string;
  /** The flag without dashes; none for environment-only settings. */
  readonly flag?: string;
  /** The flag's value placeholder (`N`, `FILE`); a flag without one is a switch. */
  readonly arg?: string;
  /** The flag may repeat; its values are joined with commas. */
  readonly multiple?: boolean;
  /** A flag of the management commands (`schedule`, `window`, …), not of `serve`. */
  readonly client?: boolean;
  /** Environment variables that set it, first non-empty wins. */
  readonly env?: readonly string[];
  /** The README's environment cell when the names alone would mislead (markdown). */
  readonly envDoc?: string;
  /** The key under `server` in the config file; none when a file cannot set it. */
  readonly file?: string;
  /** The JSON type the config file gives the value in. */
  readonly fileType?: "string" | "number" | "boolean";
  /** The default as the README says it (markdown). */
  readonly defaultDoc: string;
  /**
   * The value from `raw` (undefined: not given anywhere). `from` names the source: `--flag`,
   * an environment variable or `file`. Throws {@link SettingError} for a bad value.
   */
  read(raw: RawValue | undefined, ctx: SettingContext, from?: string): T;
}
