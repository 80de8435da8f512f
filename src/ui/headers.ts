/**
 * Headers of every dashboard page: a strict Content-Security-Policy (scripts, styles, images
 * and connections only from this origin; no inline script or style, no eval, no framing, forms
 * post only here), no caching of pages that show live state, no referrer to other sites.
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** The dashboard's Content-Security-Policy. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Sets the security headers; pages (not assets) also get `Cache-Control: no-store`. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const h = c.res.headers;
  h.set("content-security-policy", CSP);
  h.set("x-content-type-options", "nosniff");
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts
  h.set("referrer-policy", "same-origin");
  h.set("x-frame-options", "DENY");
  h.set("cross-origin-opener-policy", "same-origin");
  h.set("cross-origin-resource-policy", "same-origin");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
};
