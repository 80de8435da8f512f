/**
 * The manifest's source key: a source without its revision (`hf:acme/tiny-model`,
 * `hf:datasets/org/x`, or the URL), so every revision of a repo lists together.
 *
 * @example
 * ```ts
 * manifestSourceKey("hf:acme/tiny-model@v1.0"); // "hf:acme/tiny-model"
 * ```
 * @module
 */
import { parseSource, REPO_URL_PREFIX, type Source } from "./source.ts";

/** The source key of a source text or parsed source; throws `invalid_source` for bad text. */
export function manifestSourceKey(source: string | Source): string {
  const parsed = typeof source === "string" ? parseSource(source) : source;
  if (parsed.kind === "url") return parsed.url.href;
  return `hf:${REPO_URL_PREFIX[parsed.repoType]}${parsed.repoId}`;
}
