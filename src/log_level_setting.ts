/**
 * The `logLevel` row of the settings table (`settings.ts`), in a module of its own: the CLI's
 * entry reads it to decide whether a failure prints its stack (`--log-level debug`), and must
 * not load the whole table (and `node:path`) on every start for that.
 *
 * @example
 * ```ts
 * LOG_LEVEL.read("debug", ctx); // "debug"
 * ```
 * @module
 */
import type { Setting } from "./setting.ts";
import { oneOf } from "./setting_values.ts";

/** `--log-level` / `NIGHTPULL_LOG_LEVEL` / `logLevel`: debug, info, warn or error. */
export const LOG_LEVEL = {
  doc: "log level",
  flag: "log-level",
  arg: "debug|info|warn|error",
  env: ["NIGHTPULL_LOG_LEVEL"],
  file: "logLevel",
  fileType: "string",
  defaultDoc: "`info` (`debug`, `warn`, `error`)",
  read: (raw) => oneOf(raw, ["debug", "info", "warn", "error"], "info"),
} as const satisfies Setting<"debug" | "info" | "warn" | "error">;
