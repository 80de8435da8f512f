/**
 * Small readers and writers of the hub's HTTP dialect: `Link` pagination, JSON error bodies,
 * and Python-style URL quoting of path segments.
 *
 * @example
 * ```ts
 * nextLink('<https://huggingface.co/api/x?cursor=abc>; rel="next"', base); // "https://huggingface.co/api/x?cursor=abc"
 * ```
 * @module
 */

/** The `rel="next"` target of a Link header, resolved against the page it came with. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2])?.[1];
    if (rel && rel.toLowerCase().split(/\s+/).includes("next")) {
      try {
        return new URL(match[1], base).href;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The `error` field of a hub JSON error body, if there is one. */
export function errorBodyText(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

/** Python's `urllib.parse.quote(s, safe="")`: everything but `A-Za-z0-9_.-~` is %-encoded. */
export function quote(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Largest hub API answer read (a tree page, a revision answer, paths-info): 64 MiB. */
export const MAX_HUB_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The body was longer than the cap; only `limit` bytes were read, then the body was cancelled. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = "BodyTooLarge";
  }
}

/**
 * A response body as text, reading at most `limit` bytes: a longer (or endless) body throws
 * {@link BodyTooLarge} as soon as the first byte past the cap arrives, and is cancelled, so
 * memory stays bounded by the cap whatever the server sends.
 */
export async function readTextCapped(res: Response, limit: number): Promise<string> {
  const declared = res.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLarge(limit);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) throw new BodyTooLarge(limit);
      parts.push(decoder.decode(value, { stream: true }));
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  parts.push(decoder.decode());
  return parts.join("");
}
