/**
 * Readers of setting values, whichever source gave them: text from a flag or the environment,
 * or a typed JSON value from the config file (a number stays a number). A bad value throws
 * {@link SettingError}, whose message names the setting the way its source does
 * (`invalid --port "0": …` for a flag, `invalid "0": …` under `file:server.port`).
 *
 * @example
 * ```ts
 * const port = wholeNumber(9001, 1, 65535); // 9001
 * ```
 * @module
 */
import { parseBandwidth } from "./time/bandwidth.ts";
import { parseByteSize } from "./byte_size.ts";
import { isHostPattern } from "./host_allow_list.ts";
import { type RawValue, SettingError } from "./setting.ts";

/** `invalid [label] "value": reason` as a {@link SettingError}. */
export function invalid(value: RawValue, reason: string, what = ""): SettingError {
  return new SettingError((label) =>
    ["invalid", label, what, JSON.stringify(String(value))].filter(Boolean).join(" ") +
    `: ${reason}`
  );
}

/** A whole number from `min` to `max`; `fallback` when unset or empty text. */
export function wholeNumber(
  raw: RawValue | undefined,
  min: number,
  max: number,
  fallback?: number,
): number {
  if ((raw === undefined || raw === "") && fallback !== undefined) return fallback;
  const n = typeof raw === "number" ? raw : /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalid(raw ?? "", `expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/** One of `allowed`; `fallback` when unset or empty. */
export function oneOf<const T extends string>(
  raw: RawValue | undefined,
  allowed: readonly T[],
  fallback: NoInfer<T>,
): T {
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly RawValue[]).includes(raw)) {
    throw invalid(raw, `expected one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** A bandwidth limit or timetable, normalized; undefined for unset, empty or `off`. */
export function bandwidth(raw: RawValue | undefined): string | undefined {
  const text = raw === undefined ? "" : String(raw);
  if (text === "" || text.trim().toLowerCase() === "off") return undefined;
  try {
    return parseBandwidth(text).text;
  } catch (err) {
    const reason = (err as Error).message;
    throw new SettingError((label) => `invalid${label ? ` ${label}` : ""}: ${reason}`);
  }
}

/** A size such as `0`, `500M`, `1G` or `2.5GiB`, in bytes. */
export function byteSize(raw: RawValue): number {
  try {
    return parseByteSize(String(raw), "size");
  } catch {
    throw invalid(raw, "expected a size such as 0, 500M, 1G or 2.5GiB");
  }
}

/** Comma-separated entries, trimmed, empty ones dropped. */
function commaList(raw: RawValue | undefined): string[] {
  return String(raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Web origins (`http://ui.example:3000`), refusing anything with a path or another scheme. */
export function origins(raw: RawValue | undefined): string[] {
  return commaList(raw).map((value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, "")) {
      throw invalid(
        value,
        'expected an origin such as "http://localhost:3000" (scheme, host and optional port; ' +
          "no path)",
      );
    }
    return url.origin;
  });
}

/** Host names, `*.example.com` wildcards, IPs and CIDRs, lower-cased. */
export function hostPatterns(raw: RawValue | undefined): string[] {
  return commaList(raw).map((value) => {
    const entry = value.toLowerCase();
    if (!isHostPattern(entry)) {
      throw invalid(
        value,
        'expected a host name ("hf.example.com"), a wildcard ("*.example.com"), an address ' +
          '("10.0.0.5", "::1") or a CIDR ("10.0.0.0/8")',
        "entry",
      );
    }
    return entry;
  });
}

/** A trimmed API token; an empty or whitespace-only one is refused (it would lock all out). */
export function apiTokenValue(raw: string, from: (label?: string) => string): string {
  const token = raw.trim();
  if (!token) {
    throw new SettingError((label) =>
      `${from(label)} is empty or only whitespace: set a token of visible characters, or ` +
      "unset it to run without one (loopback only)"
    );
  }
  return token;
}

/** The API token in the file at `path` (trimmed, non-empty). */
export function apiTokenFromFile(path: string): string {
  const named = (label?: string) => `${label ?? ""}${label ? " " : ""}"${path}"`;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    const reason = (err as Error).message;
    throw new SettingError((label) => `cannot read ${named(label)}: ${reason}`);
  }
  return apiTokenValue(text, named);
}
