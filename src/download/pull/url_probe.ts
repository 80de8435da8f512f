/**
 * What a URL source's server says before any body moves: a HEAD (under the one redirect policy)
 * for the size, ETag and file name, and the stable error for a failed answer, naming the URL
 * without its query (which may carry a signature).
 *
 * @example
 * ```ts
 * const probe = await probeUrl(url, {}, signal); // { size, etag, contentDisposition } or null
 * ```
 * @module
 */
import { type ErrorCode, NightpullError } from "../../errors.ts";
import { fetchFollowing } from "../net/follow_redirects.ts";
import { normalizeEtag } from "../net/remote_file.ts";

/** What a HEAD told about a URL; null fields are unknown. */
export interface UrlProbe {
  size: number | null;
  /** Unquoted, as the fetcher records it. */
  etag: string | null;
  contentDisposition: string | null;
}

/**
 * Maps a failed answer for a URL onto a stable code with a message naming the URL (without
 * its query, which may carry a signature).
 */
export function urlHttpError(res: Response, url: URL): NightpullError {
  const shown = `${url.origin}${url.pathname}`;
  const table: [number[], ErrorCode, string][] = [
    [[401], "auth_required", "needs credentials"],
    [[403], "forbidden", "refused access (403)"],
    [[404, 410], "not_found", `was not found (${res.status}): check the URL`],
    [[416], "resume_not_supported", "refused the requested range (416)"],
    [[429], "rate_limited", "is rate limiting (429); try again later"],
  ];
  for (const [statuses, code, why] of table) {
    if (statuses.includes(res.status)) {
      return new NightpullError(code, `${shown} ${why}`, { url: shown, status: res.status });
    }
  }
  return new NightpullError(
    "upstream_error",
    `${shown} answered ${res.status} ${res.statusText}`.trim(),
    { url: shown, status: res.status },
  );
}

/**
 * HEAD under the one redirect policy (Authorization only to the URL's own origin, every hop
 * checked by `checkUrl`). Null when the server does not answer HEAD usefully (the GET decides).
 */
export async function probeUrl(
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
  checkUrl?: (url: URL) => Promise<void> | void,
): Promise<UrlProbe | null> {
  let linked: string | null = null;
  let res: Response;
  try {
    ({ response: res } = await fetchFollowing(url, {
      method: "HEAD",
      credentials: headers,
      signal,
      checkUrl,
      onRedirect: (redirect, from) => {
        // Like the fetcher: the first origin's X-Linked-Etag names the content behind a CDN.
        if (from.origin !== url.origin) return;
        linked = redirect.headers.get("x-linked-etag") ?? redirect.headers.get("etag") ?? linked;
      },
    }));
  } catch (err) {
    // a refused redirect or host is final; an unreachable HEAD is left to the GET's retries
    if (signal?.aborted || err instanceof NightpullError) throw err;
    return null;
  }
  await res.body?.cancel();
  if ([401, 403, 404, 410].includes(res.status)) throw urlHttpError(res, url);
  if (!res.ok) return null;
  const length = res.headers.get("content-length");
  return {
    size: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    etag: normalizeEtag(linked ?? res.headers.get("etag")) ?? null,
    contentDisposition: res.headers.get("content-disposition"),
  };
}
