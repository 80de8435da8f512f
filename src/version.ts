/**
 * The one version of nightpull, and the `User-Agent` every outgoing request carries.
 *
 * @example
 * ```ts
 * fetch(url, { headers: { "user-agent": USER_AGENT } }); // "nightpull/0.1.0"
 * ```
 * @module
 */

/** nightpull's version (build info metric, User-Agent). */
export const VERSION = "0.1.0";

/** `nightpull/<version>`, sent on every request to the hub, the CDN, URL sources and webhooks. */
export const USER_AGENT = `nightpull/${VERSION}`;
