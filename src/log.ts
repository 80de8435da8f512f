/**
 * One line per event, as text or JSON (`--log-format`), filtered by `--log-level`. Values that
 * look like secrets (hub tokens, bearer tokens), every secret the process holds (src/secrets.ts)
 * and fields named like secrets are masked, so a careless caller still cannot leak one.
 *
 * @example
 * ```ts
 * const log = createLogger({ format: "json", level: "info" });
 * log.info("run.started", { runId, scheduleId });
 * ```
 * @module
 */
import { scrubSecrets } from "./secrets.ts";

/** Severity levels in increasing order. */
type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields of one log event. */
export type LogFields = Record<string, unknown>;

/** A logger: one method per level, each writes at most one line. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_NAME = /secret|token|password|authorization|apikey|api_key/i;
const SECRET_VALUE = /\b(hf_[A-Za-z0-9]{6,}|Bearer\s+\S+)/g;

/** Masks secret-looking values and fields named like secrets. */
function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubSecrets(value).replace(SECRET_VALUE, "***");
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return redact(value.message, depth + 1);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_NAME.test(k) && v !== undefined && v !== null ? "***" : redact(v, depth + 1);
  }
  return out;
}

/** Options of {@link createLogger}. */
interface LoggerOptions {
  format?: "text" | "json";
  level?: LogLevel;
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
}

/** Creates a logger writing one line per event. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const format = options.format ?? "text";
  const encoder = new TextEncoder();
  const write = options.write ?? ((line: string) => Deno.stderr.writeSync(encoder.encode(line)));
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (ORDER[level] < min) return;
    const time = new Date().toISOString();
    const safe = redact(fields) as LogFields;
    if (format === "json") {
      // the line's own time, level and event name win over fields of the same names
      const { time: _t, level: _l, event: _e, ...rest } = safe;
      write(JSON.stringify({ time, level, event, ...rest }) + "\n");
      return;
    }
    const parts = Object.entries(safe).filter(([, v]) => v !== undefined).map(([k, v]) =>
      `${k}=${typeof v === "string" && !/\s|"/.test(v) ? v : JSON.stringify(v)}`
    );
    write(
      `${time} ${level.toUpperCase().padEnd(5)} ${event}${
        parts.length ? " " + parts.join(" ") : ""
      }\n`,
    );
  };
  return {
    debug: (e, f) => emit("debug", e, f),
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
  };
}

/** A logger that drops everything (tests, `--quiet`). */
export const silentLogger: Logger = createLogger({ write: () => {} });
