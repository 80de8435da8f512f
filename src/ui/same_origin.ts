/**
 * Is a state-changing request from our own pages? Browsers send `Origin` on every POST (and
 * `Sec-Fetch-Site`); a cross-site form or script cannot forge either. A request with neither
 * is not from a browser page (curl, the CLI) and cannot ride on a browser's cookie, so it is let
 * through here and left to the token or session check.
 * @module
 */

/** True unless the browser says the request comes from another origin. */
export function isSameOrigin(req: Request): boolean {
  const own = new URL(req.url).origin;
  const origin = req.headers.get("origin");
  if (origin !== null) return origin === own;
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}
