/**
 * The one comparison of a presented secret (API token, CSRF token) with the expected one. It
 * lives apart from `secrets.ts` because `node:crypto` costs every CLI start about 20 ms to load,
 * and only the server compares tokens.
 *
 * @example
 * ```ts
 * if (!tokensEqual(given, expected)) throw new Error("unauthorized");
 * ```
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** True when `given` equals `expected`, in time independent of where they differ. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
