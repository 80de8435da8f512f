/**
 * Bearer-token check for every `/api/v1` route (DESIGN.md, Security). Tokens are compared as
 * SHA-256 digests with `timingSafeEqual`, so neither the content nor the length of the
 * configured token leaks through response timing.
 *
 * @example
 * ```ts
 * app.use("/api/v1/*", bearerAuth(config.apiToken));
 * ```
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { NightpullError } from "../errors.ts";
import { tokensEqual } from "../tokens_equal.ts";
import { errorResponse } from "./errors.ts";

/** The token of an `Authorization: Bearer <token>` header, or null when the scheme differs. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  // RFC 6750: case-insensitive scheme, one or more spaces, then the token verbatim (no trim,
  // so "<token> x" or a token with extra characters never matches)
  const match = /^Bearer +(.*)$/is.exec(header);
  return match ? match[1] : null;
}

/** True when an `Authorization` header carries exactly the bearer token `expected`. */
export function bearerMatches(header: string | null | undefined, expected: string): boolean {
  const given = bearerToken(header ?? undefined);
  return given !== null && tokensEqual(given, expected);
}

/**
 * Middleware answering 401 (`auth_required` / `invalid_token`) unless the bearer token matches.
 * A request without an Authorization header may pass through `alternative` instead (the
 * dashboard's session cookie).
 */
export function bearerAuth(
  expected: string,
  alternative?: (c: Context) => Promise<boolean>,
): MiddlewareHandler {
  return async (c, next) => {
    const given = bearerToken(c.req.header("authorization"));
    if (given === null && alternative && await alternative(c)) return await next();
    if (given === null || !tokensEqual(given, expected)) {
      const err = given === null
        ? new NightpullError(
          "auth_required",
          "this server requires a token: send `Authorization: Bearer <token>` (the CLI reads NIGHTPULL_TOKEN)",
        )
        : new NightpullError("invalid_token", "the bearer token is not valid for this server");
      c.header(
        "WWW-Authenticate",
        given === null
          ? 'Bearer realm="nightpull"'
          : 'Bearer realm="nightpull", error="invalid_token"',
      );
      return errorResponse(c, err);
    }
    await next();
  };
}
