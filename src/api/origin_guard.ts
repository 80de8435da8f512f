/**
 * Same-origin rule of an API without a token (DESIGN.md, Security (additions)): a request is
 * answered only when its `Host` names this server by a loopback name or address (or the
 * configured host) with the server's port, and its `Origin`, when sent, is that same origin or
 * one named by `--allow-origin`. Anything else is 403 `forbidden_origin`: a page on another
 * site, or a DNS name rebound to 127.0.0.1, cannot drive the API through the user's browser.
 *
 * @example
 * ```ts
 * app.use("/api/v1/*", originGuard({ hosts: ["127.0.0.1"], port: () => 8080, allowOrigins: [] }));
 * ```
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { NightpullError } from "../errors.ts";
import { addressBits } from "../host_allow_list.ts";
import { errorResponse } from "./errors.ts";

/** Who may call: the host names of this server, its port, and origins allowed besides its own. */
export interface OriginPolicy {
  /** Extra host names or addresses this server answers to (the configured `--host`). */
  hosts: string[];
  /** The port the server listens on; undefined while unknown (then any port is taken). */
  port: () => number | undefined;
  /** Origins (`scheme://host[:port]`) allowed besides the server's own (`--allow-origin`). */
  allowOrigins: string[];
  /**
   * Also take any IP address as Host (`--insecure-no-auth` beyond loopback). A rebinding
   * attack needs a DNS name, so an address literal in Host cannot be one; Origin still counts.
   */
  anyAddress?: boolean;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);
// the addresses a server listening on every interface is configured with: never a Host name
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", ""]);

function bareHost(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

/** Splits a `Host` header into name and port; null when it is not of that form. */
export function parseHostHeader(value: string): { name: string; port?: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return null;
  return { name: bareHost(match[1]), port: match[2] === undefined ? undefined : Number(match[2]) };
}

/** True when `name` (lower case, no brackets) is one of this server's names. */
function isOurName(name: string, policy: OriginPolicy): boolean {
  if (LOOPBACK_NAMES.has(name) || /^127(?:\.\d{1,3}){3}$/.test(name)) return true;
  if (policy.anyAddress && addressBits(name) !== null) return true;
  return policy.hosts.some((h) => !WILDCARD_HOSTS.has(bareHost(h)) && bareHost(h) === name);
}

/**
 * Why `req` is refused under `policy`, or null when it may pass. `host` is the request's
 * `Host` header (the URL's authority when absent, as for in-process requests).
 */
export function originRefusal(
  host: string,
  origin: string | undefined,
  policy: OriginPolicy,
): string | null {
  const parsed = parseHostHeader(host);
  if (!parsed || !isOurName(parsed.name, policy)) {
    return `Host "${host.slice(0, 100)}" is not a loopback name of this server`;
  }
  const port = policy.port();
  if (port !== undefined && (parsed.port ?? 80) !== port) {
    return `Host "${host.slice(0, 100)}" does not carry this server's port ${port}`;
  }
  if (origin === undefined) return null;
  if (policy.allowOrigins.includes(origin)) return null;
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return `Origin "${origin.slice(0, 100)}" is not an origin`;
  }
  const same = given.protocol === "http:" && bareHost(given.hostname) === parsed.name &&
    (given.port === "" ? 80 : Number(given.port)) === (parsed.port ?? 80);
  return same ? null : `Origin "${origin.slice(0, 100)}" is not this server's origin`;
}

/**
 * {@link originRefusal} of a request: its `Host` header (the URL's authority when absent, as
 * for in-process requests) and its `Origin`.
 */
export function requestRefusal(req: Request, policy: OriginPolicy): string | null {
  const host = req.headers.get("host") ?? new URL(req.url).host;
  return originRefusal(host, req.headers.get("origin") ?? undefined, policy);
}

/** The 403 `forbidden_origin` for a refused request, saying how to allow it. */
function forbiddenOrigin(reason: string): NightpullError {
  return new NightpullError(
    "forbidden_origin",
    `${reason}: without a token this API answers only same-origin requests to ` +
      "localhost/127.0.0.1/[::1] on its port. To call it from elsewhere set a token " +
      "(NIGHTPULL_TOKEN or --token-file), or name the calling page's origin with " +
      "--allow-origin ORIGIN (NIGHTPULL_ALLOW_ORIGIN)",
  );
}

/** Middleware answering 403 `forbidden_origin` to requests {@link originRefusal} refuses. */
export function originGuard(policy: OriginPolicy): MiddlewareHandler {
  return async (c, next) => {
    const reason = requestRefusal(c.req.raw, policy);
    if (reason !== null) return errorResponse(c, forbiddenOrigin(reason));
    await next();
  };
}
