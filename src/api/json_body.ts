/**
 * Reads a JSON request body safely before validation: the media type must be JSON, the size is
 * capped both by `Content-Length` and while streaming (chunked bodies declare no length), and
 * bytes that are not UTF-8 JSON answer 400 `malformed_json` instead of reaching a handler.
 *
 * @example
 * ```ts
 * createRoute({ method: "post", path: "/schedules", middleware: [jsonBody()], ... });
 * ```
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { NightpullError } from "../errors.ts";

/** Largest accepted request body in bytes (a schedule is well under 4 KiB). */
export const BODY_LIMIT = 64 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function tooLarge(limit: number): NightpullError {
  return new NightpullError(
    "body_too_large",
    `request body is larger than ${limit} bytes; a schedule or download is a small JSON object`,
    { limit },
  );
}

/** Reads at most `limit` bytes of `body`; throws `body_too_large` as soon as it is exceeded. */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Parses JSON text; throws `malformed_json` saying what the parser saw. */
function parseJsonText(text: string): unknown {
  if (text.trim() === "") {
    throw new NightpullError("malformed_json", "request body is empty; expected a JSON object");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NightpullError(
      "malformed_json",
      `request body is not valid JSON: ${(err as Error).message}`,
    );
  }
}

/**
 * Route middleware: checks type and size, parses, and leaves the text and its parsed value in
 * Hono's body cache, where the zod validator that follows reads it (the stream is consumed).
 */
export function jsonBody(limit = BODY_LIMIT): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type");
    if (!type || !JSON_TYPE.test(type)) {
      throw new NightpullError(
        "unsupported_media_type",
        `expected Content-Type: application/json, got ${type ? `"${type}"` : "none"}`,
      );
    }
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
    const bytes = await readLimited(c.req.raw.body, limit);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new NightpullError("malformed_json", "request body is not valid UTF-8");
    }
    const json = parseJsonText(text);
    // Hono's cache holds promises at runtime although its type says values; the validator
    // that follows takes the parsed value from it instead of parsing the text again
    c.req.bodyCache.text = Promise.resolve(text) as unknown as string;
    c.req.bodyCache.json = Promise.resolve(json);
    await next();
  };
}
