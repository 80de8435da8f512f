/**
 * Path safety for names that come from outside (a hub listing, a URL, a `Content-Disposition`
 * header): nothing they name may land outside the configured root.
 *
 * @example
 * ```ts
 * safeRelativePath("tokenizer/vocab.json");         // "tokenizer/vocab.json"
 * resolveInside("/data/models", "a/b.bin");          // "/data/models/a/b.bin"
 * safeRelativePath("../evil.txt");                    // throws NightpullError("unsafe_path")
 * ```
 * @module
 */
import { isAbsolute, resolve, sep } from "node:path";
import { NightpullError } from "../../errors.ts";

/** Longest accepted relative path in UTF-8 bytes (Linux PATH_MAX). */
const MAX_PATH_BYTES = 4096;
/** Longest accepted single name in UTF-8 bytes (NAME_MAX of common file systems). */
export const MAX_NAME_BYTES = 255;

const RULES = 'use a relative "/"-separated path without "..", "." or empty segments';
// C0 controls, DEL and C1 controls: never part of a legitimate file name, and able to
// corrupt terminals and logs when printed.
// deno-lint-ignore no-control-regex -- control characters are exactly what we refuse
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const encoder = new TextEncoder();
/**
 * Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): they
 * reorder how a name is shown, so `evil\u202Egnp.exe` reads as `evilexe.png` in a listing.
 */
export const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/** Quotes a hostile name for a message: every control character escaped, long names cut. */
export function quoteName(name: string): string {
  const cut = name.length > 200 ? name.slice(0, 200) + "…" : name;
  // JSON.stringify escapes C0 controls but leaves DEL and C1 controls raw.
  return JSON.stringify(cut).replace(
    /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function unsafe(path: string, why: string, rules = RULES): NightpullError {
  const shown = quoteName(path);
  return new NightpullError("unsafe_path", `unsafe path ${shown}: ${why}; ${rules}`, {
    path: path.length > 200 ? path.slice(0, 200) : path,
  });
}

/**
 * Checks a relative "/"-separated path and returns it; throws `unsafe_path` for "..", ".",
 * empty segments, absolute or drive paths, backslashes, control characters, overlong names.
 */
export function safeRelativePath(path: string): string {
  if (typeof path !== "string" || path.length === 0) throw unsafe(String(path), "it is empty");
  if (CONTROL.test(path)) throw unsafe(path, "it contains a control character");
  if (BIDI_CONTROL.test(path)) {
    throw unsafe(
      path,
      "it contains a bidirectional control character (U+202A-U+202E, U+2066-U+2069)",
    );
  }
  if (path.includes("\\")) throw unsafe(path, "it contains a backslash");
  if (path.startsWith("/")) throw unsafe(path, "it is absolute");
  if (/^[A-Za-z]:/.test(path)) throw unsafe(path, "it starts with a drive letter");
  if (longerThan(path, MAX_PATH_BYTES)) {
    throw unsafe(path, `it is longer than ${MAX_PATH_BYTES} bytes`);
  }
  for (const segment of path.split("/")) {
    if (segment === "") throw unsafe(path, "it has an empty segment");
    if (segment === "..") throw unsafe(path, '".." would leave the target folder');
    if (segment === ".") throw unsafe(path, 'it has a "." segment');
    if (longerThan(segment, MAX_NAME_BYTES)) {
      throw unsafe(path, `a segment is longer than ${MAX_NAME_BYTES} bytes`);
    }
  }
  return path;
}

/** True when `text` takes more than `max` UTF-8 bytes; a short text is not even encoded. */
function longerThan(text: string, max: number): boolean {
  // a UTF-16 code unit takes at most 3 bytes (a surrogate pair: 4 for 2 units)
  return text.length * 3 > max && encoder.encode(text).length > max;
}

/**
 * Checks a single file name (no folders): trims surrounding whitespace, then refuses "/",
 * "\\", control characters, "." and "..", empty names and names over 255 bytes.
 */
export function safeFileName(name: string): string {
  const rules = "a file name must be one non-empty segment without slashes";
  const trimmed = typeof name === "string" ? name.trim() : "";
  if (trimmed === "") throw unsafe(String(name), "it is empty", rules);
  if (trimmed.includes("/") || trimmed.includes("\\")) {
    throw unsafe(trimmed, "it contains a path separator", rules);
  }
  if (CONTROL.test(trimmed)) throw unsafe(trimmed, "it contains a control character", rules);
  if (BIDI_CONTROL.test(trimmed)) {
    throw unsafe(
      trimmed,
      "it contains a bidirectional control character (U+202A-U+202E, U+2066-U+2069)",
      rules,
    );
  }
  if (trimmed === "." || trimmed === "..") throw unsafe(trimmed, "it is a dot name", rules);
  if (encoder.encode(trimmed).length > MAX_NAME_BYTES) {
    throw unsafe(trimmed, `it is longer than ${MAX_NAME_BYTES} bytes`, rules);
  }
  return trimmed;
}

/**
 * The absolute path of `relative` under `root`, after {@link safeRelativePath}; throws
 * `unsafe_path` if the result would not be strictly inside `root`.
 */
export function resolveInside(root: string, relative: string): string {
  if (typeof root !== "string" || root === "" || CONTROL.test(root)) {
    throw new NightpullError("unsafe_path", `unusable root folder ${quoteName(String(root))}`, {
      root,
    });
  }
  const base = resolve(root);
  const full = resolve(base, safeRelativePath(relative));
  const prefix = base.endsWith(sep) ? base : base + sep;
  if (!isAbsolute(full) || !full.startsWith(prefix) || full.length === prefix.length) {
    throw unsafe(relative, `it resolves outside ${quoteName(base)}`);
  }
  return full;
}
