/**
 * The checks every part of a schedule or download body shares: an `invalid_input` error that
 * names its field, unknown fields refused (with the allowed ones listed), a JSON object, a
 * required source, and short single-line text without control or bidirectional characters.
 *
 * @example
 * ```ts
 * const obj = asObject(body, "schedule");
 * checkKnown(obj, ["source", "trigger"], "schedule");
 * const name = text(obj.name, "name", 200);
 * ```
 * @module
 */
import { BIDI_CONTROL } from "../../download/layout/safe_path.ts";
import { NightpullError } from "../../errors.ts";

/** Control characters, refused in names, globs, paths and URLs. */
// deno-lint-ignore no-control-regex -- control characters are exactly what is refused
export const CONTROL = /[\x00-\x1f\x7f]/;

/** An `invalid_input` error naming `field`. */
export function invalid(field: string, message: string): NightpullError {
  return new NightpullError("invalid_input", message, { field });
}

/** Throws `unknown_field` for a key of `input` not in `allowed` (`what`: the body's kind). */
export function checkKnown(input: Record<string, unknown>, allowed: string[], what: string): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw new NightpullError(
        "unknown_field",
        `unknown field "${key}" in a ${what}; allowed: ${allowed.join(", ")}`,
        { field: key },
      );
    }
  }
}

/** A non-empty string of at most `max` characters, printable and displayed as it is. */
export function text(value: unknown, field: string, max: number): string {
  if (
    typeof value !== "string" || !value.trim() || value.length > max || CONTROL.test(value) ||
    // a lone surrogate ("\ud800" in JSON) cannot be written as UTF-8 to logs, files or clients
    !value.isWellFormed()
  ) {
    throw invalid(
      field,
      `invalid ${field}: expected a non-empty string of at most ${max} characters without ` +
        "control characters or lone surrogates",
    );
  }
  if (BIDI_CONTROL.test(value)) {
    throw invalid(
      field,
      `invalid ${field}: it contains a bidirectional control character (U+202A-U+202E, ` +
        "U+2066-U+2069), which would make it display differently from what it is",
    );
  }
  return value;
}

/** The body as an object; `invalid_input` (field "") for anything else. */
export function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalid("", `a ${what} must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

/** Throws `invalid_source` when the input has no `source`. */
export function requireSource(obj: Record<string, unknown>): void {
  if (obj.source === undefined) {
    throw new NightpullError(
      "invalid_source",
      'source is required, e.g. "hf:openai-community/gpt2@main"',
      { field: "source" },
    );
  }
}
