/**
 * The one redirect policy of every fetch nightpull makes (hub API, file bodies, URL sources,
 * webhooks): at most {@link MAX_REDIRECTS} hops, only to `http:`/`https:` (never `file:`, whose
 * bytes would end up in an error message), credentials (Authorization) only to the origin they
 * belong to, and an optional check of every hop's host (the `--allow-hosts` list).
 *
 * @example
 * ```ts
 * const { response, url } = await fetchFollowing("https://hub.example/api/models/a/b", {
 *   credentials: { authorization: `Bearer ${token}` },
 * });
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { USER_AGENT } from "../../version.ts";

/** Most redirects followed for one request. */
export const MAX_REDIRECTS = 10;

/** How one request is made and followed. */
interface FollowOptions {
  method?: string;
  /** Sent on every hop. */
  headers?: HeadersInit;
  /** Sent only to `credentialsOrigin` (default: the first URL's origin); Authorization lives here. */
  credentials?: Record<string, string>;
  credentialsOrigin?: string;
  /** Request body; re-sent only on 307/308 (the method is kept there). */
  body?: string;
  signal?: AbortSignal;
  client?: Deno.HttpClient;
  /** Most hops; default {@link MAX_REDIRECTS}. */
  maxRedirects?: number;
  /** Checks each URL before it is fetched, the first one included; throws to refuse it. */
  checkUrl?: (url: URL) => Promise<void> | void;
  /** Sees each redirect answer before its body is dropped (e.g. `X-Linked-Etag`). */
  onRedirect?: (response: Response, from: URL) => void;
}

/** The final, non-redirect answer and the URL that gave it. */
interface FollowedResponse {
  response: Response;
  url: URL;
}

/** A URL without its query, for messages: signed URLs carry credentials-like signatures. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url).replace(/\?.*$/, "");
  }
}

function isRedirect(response: Response): boolean {
  return response.status >= 300 && response.status < 400 && response.headers.has("location");
}

/** The next hop of a redirect, refused unless it is an http(s) URL. */
function redirectTarget(location: string, from: URL): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new NightpullError(
      "upstream_error",
      `${displayUrl(from)} redirected to something that is not a URL`,
    );
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new NightpullError(
      "upstream_error",
      `${displayUrl(from)} redirected to an unsupported scheme "${next.protocol}"; ` +
        "only http: and https: redirects are followed",
    );
  }
  return next;
}

/**
 * fetch with redirects followed by hand under the one policy. Throws `upstream_error` for a
 * redirect to another scheme or past the hop limit; network errors propagate as fetch's.
 */
export async function fetchFollowing(
  start: string | URL,
  options: FollowOptions = {},
): Promise<FollowedResponse> {
  let url = typeof start === "string" ? new URL(start) : start;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NightpullError(
      "invalid_input",
      `${displayUrl(url)}: only http:// and https:// URLs are fetched`,
    );
  }
  const credentialsOrigin = options.credentialsOrigin ?? url.origin;
  const max = options.maxRedirects ?? MAX_REDIRECTS;
  let method = options.method ?? "GET";
  let body = options.body;
  for (let hop = 0;; hop++) {
    await options.checkUrl?.(url);
    const headers = new Headers(options.headers);
    if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);
    if (url.origin === credentialsOrigin) {
      for (const [k, v] of Object.entries(options.credentials ?? {})) headers.set(k, v);
    }
    const response = await fetch(url, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: options.signal,
      client: options.client,
    });
    if (!isRedirect(response)) return { response, url };
    options.onRedirect?.(response, url);
    await response.body?.cancel();
    if (hop >= max) {
      throw new NightpullError(
        "upstream_error",
        `${displayUrl(start)}: more than ${max} redirects`,
      );
    }
    url = redirectTarget(response.headers.get("location")!, url);
    // as browsers do: 303, and 301/302 after a POST, continue as a GET without the body
    if (
      response.status === 303 || ((response.status === 301 || response.status === 302) &&
        method === "POST")
    ) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
    }
  }
}
