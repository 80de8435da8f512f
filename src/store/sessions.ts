/**
 * Dashboard sign-in sessions, kept server-side so signing out (or restarting with a new token)
 * ends them everywhere. The key is the SHA-256 of the session id, so a copy of the KV does not
 * hand out live cookies; each record expires with `expireIn` and carries its own expiry, which
 * is checked on read because KV deletes expired entries lazily.
 *
 * @example
 * ```ts
 * await putSession(kv, digestHex, { csrf, expiresAt: Date.now() + 12 * 3600_000 });
 * const s = await getSession(kv, digestHex, Date.now()); // null once expired or deleted
 * ```
 * @module
 */
import { retryWhileLocked } from "./commit.ts";
import { sessionKey } from "./keys.ts";

/** One signed-in browser. */
export interface SessionRecord {
  /** Token the dashboard's state-changing requests must echo (form field or header). */
  csrf: string;
  /** Epoch ms after which the session is void. */
  expiresAt: number;
  /** Fingerprint of the API token it was opened with: a changed token voids it. */
  tokenTag: string;
}

export { sessionKey };

/** Stores a session until its `expiresAt`. */
export async function putSession(
  kv: Deno.Kv,
  digest: string,
  record: SessionRecord,
  now: number,
): Promise<void> {
  await retryWhileLocked(() =>
    kv.set(sessionKey(digest), record, { expireIn: Math.max(1, record.expiresAt - now) })
  );
}

/** The live session of that digest, or null when unknown or expired. */
export async function getSession(
  kv: Deno.Kv,
  digest: string,
  now: number,
): Promise<SessionRecord | null> {
  const e = await kv.get<SessionRecord>(sessionKey(digest));
  return e.value && e.value.expiresAt > now ? e.value : null;
}

/** Ends a session (sign-out). */
export async function deleteSession(kv: Deno.Kv, digest: string): Promise<void> {
  await retryWhileLocked(() => kv.delete(sessionKey(digest)));
}
