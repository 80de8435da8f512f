/**
 * Dashboard sign-in when the server has an API token. The browser trades the token once (sign-in
 * form) for a random session id in an HttpOnly, SameSite=Strict cookie; the token itself never
 * goes into a URL, a page or browser storage.
 *
 * Why server-side sessions (KV via `store/`) rather than an HMAC-signed cookie: sign-out must
 * end the session for good, and with a signed cookie a copied cookie would stay valid until it
 * expires. KV also shares sessions between replicas behind one address. The KV holds only the
 * SHA-256 of the id, and each session remembers a fingerprint of the token it was opened with,
 * so changing NIGHTPULL_TOKEN signs everyone out.
 *
 * Every state-changing request on a session must be same-origin and echo the session's CSRF
 * token (form field `_csrf` or header `X-CSRF-Token`).
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { tokensEqual } from "../tokens_equal.ts";
import { deleteSession, getSession, putSession, type SessionRecord } from "../store/mod.ts";
import { isSameOrigin } from "./same_origin.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "np_session";
/** How long a session lasts. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** Header carrying the CSRF token on script requests. */
const CSRF_HEADER = "x-csrf-token";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Sessions of one server token; see the module doc. */
export class Sessions {
  readonly #kv: Deno.Kv;
  readonly #token: string;
  readonly #tag: string;
  readonly #now: () => number;

  constructor(kv: Deno.Kv, token: string, now: () => number) {
    this.#kv = kv;
    this.#token = token;
    this.#tag = digest(`nightpull-session:${token}`).slice(0, 16);
    this.#now = now;
  }

  /** True when `given` is the server's token. */
  tokenMatches(given: string): boolean {
    return tokensEqual(given, this.#token);
  }

  /** Opens a session and returns the cookie value to set. */
  async open(): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const now = this.#now();
    const record: SessionRecord = {
      csrf: randomBytes(24).toString("base64url"),
      expiresAt: now + SESSION_TTL_MS,
      tokenTag: this.#tag,
    };
    await putSession(this.#kv, digest(id), record, now);
    return id;
  }

  /** The live session of the request's cookie, or null. */
  async of(c: Context): Promise<SessionRecord | null> {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id || id.length > 100) return null;
    const s = await getSession(this.#kv, digest(id), this.#now());
    return s && s.tokenTag === this.#tag ? s : null;
  }

  /** Ends the request's session, if any. */
  async close(c: Context): Promise<void> {
    const id = getCookie(c, SESSION_COOKIE);
    if (id && id.length <= 100) await deleteSession(this.#kv, digest(id));
  }

  /**
   * True when the request may act on its session: reads always, writes only same-origin with
   * the CSRF token in the `X-CSRF-Token` header or (forms) the `_csrf` field `formCsrf`.
   */
  allows(c: Context, session: SessionRecord, formCsrf?: string): boolean {
    if (SAFE.has(c.req.method)) return true;
    if (!isSameOrigin(c.req.raw)) return false;
    const given = c.req.header(CSRF_HEADER) ?? formCsrf;
    return typeof given === "string" && tokensEqual(given, session.csrf);
  }
}

/** The Set-Cookie options of the session cookie (Secure when served over https). */
export function sessionCookieOptions(c: Context, maxAgeSeconds: number) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Strict" as const,
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: maxAgeSeconds,
  };
}
