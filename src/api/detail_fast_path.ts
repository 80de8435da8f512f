/**
 * `GET /api/v1/schedules/{id}` answered ahead of the router when the detail is cached and the
 * request passes the app's own guard. Dashboards and scripts poll this route; for a cached body
 * the router, the middleware chain and the param validator cost more than the answer itself
 * (under `wrk`: about 10 µs of CPU per request of ~35). The answer is the one the app gives:
 * the same bytes, status and headers. Everything else (a miss, a request the guard would refuse
 * or that authenticates by session, a query string, an id the validator refuses) goes to the
 * app, which answers it as before.
 *
 * @example
 * ```ts
 * const fast = detailFastPath(details, (req) => requestRefusal(req, policy) === null);
 * const fetch = (req: Request) => fast(req) ?? app.fetch(req);
 * ```
 * @module
 */
import type { DetailCache } from "./detail_cache.ts";
import { ID_PATTERN } from "./schemas.ts";

const DETAIL_PREFIX = "/api/v1/schedules/";
const JSON_HEADERS = { "content-type": "application/json" };

/** The path of an absolute request URL, or null when it has a query or an escape. */
function plainPath(url: string): string | null {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start < 0 || url.includes("?", start) || url.includes("%", start)) return null;
  return url.slice(start);
}

/**
 * A handler answering a cached schedule detail to a GET that `admits` lets through, or null
 * for the app to answer. `admits` must be the guard the app applies to `/api/v1` (or stricter).
 */
export function detailFastPath(
  details: DetailCache,
  admits: (req: Request) => boolean,
): (req: Request) => Response | null {
  return (req) => {
    if (req.method !== "GET") return null;
    const path = plainPath(req.url);
    if (path === null || !path.startsWith(DETAIL_PREFIX)) return null;
    const id = path.slice(DETAIL_PREFIX.length);
    if (!ID_PATTERN.test(id)) return null;
    const text = details.cachedText(id);
    if (text === undefined || !admits(req)) return null;
    return new Response(text, { headers: JSON_HEADERS });
  };
}
