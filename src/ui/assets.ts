/**
 * The dashboard's static assets, embedded as module text (so `deno compile` carries them) and
 * served with a strong ETag. Pages link them with the hash in the query, so a versioned URL is
 * cached for a year and a new build changes the URL; an unversioned one is revalidated.
 *
 * @example
 * ```ts
 * app.get("/assets/:name", serveAsset);
 * <link rel="stylesheet" href={assetPath("style.css")} />
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { CLIENT_JS } from "./client_js.ts";
import { STYLE_CSS } from "./style_css.ts";

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  hash: string;
}

const encoder = new TextEncoder();

// a moon over a down arrow, in the accent color
const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<circle cx="16" cy="16" r="15" fill="#1f5fbf"/>' +
  '<path d="M16 7v13m-6-6 6 6 6-6M9 25h14" stroke="#fff" stroke-width="3" fill="none"/></svg>';

function asset(text: string, type: string): Asset {
  const body = encoder.encode(text);
  return { body, type, hash: createHash("sha256").update(body).digest("hex").slice(0, 16) };
}

/** Every asset by name. */
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["style.css", asset(STYLE_CSS, "text/css; charset=utf-8")],
  ["app.js", asset(CLIENT_JS, "text/javascript; charset=utf-8")],
  ["icon.svg", asset(ICON_SVG, "image/svg+xml")],
]);

/** The versioned URL of an asset. */
export function assetPath(name: string): string {
  const a = ASSETS.get(name);
  if (!a) throw new Error(`no asset ${name}`);
  return `/assets/${name}?v=${a.hash}`;
}

/** `GET /assets/:name`: the asset, 304 when the client's ETag matches, 404 for other names. */
export function serveAsset(c: Context): Response {
  const a = ASSETS.get(c.req.param("name") ?? "");
  if (!a) return c.text("no such asset", 404);
  const etag = `"${a.hash}"`;
  const headers = new Headers({
    "content-type": a.type,
    etag,
    "cache-control": c.req.query("v") === a.hash
      ? "public, max-age=31536000, immutable"
      : "no-cache",
    "x-content-type-options": "nosniff",
  });
  const match = c.req.header("if-none-match");
  if (match && match.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
    return new Response(null, { status: 304, headers });
  }
  if (c.req.method === "HEAD") return new Response(null, { headers });
  return new Response(a.body, { headers });
}
