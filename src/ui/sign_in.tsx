/**
 * Sign-in and sign-out when the server has a token. The page shows nothing about schedules; a
 * correct token opens a session (see ./session.ts) and redirects to the overview.
 * @module
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { Page } from "./layout.tsx";
import { isSameOrigin } from "./same_origin.ts";
import { SESSION_COOKIE, SESSION_TTL_MS, sessionCookieOptions, type Sessions } from "./session.ts";

function signInPage(c: Context, error?: string) {
  return c.html(
    <Page title="Sign in" ctx={null}>
      <h1>Sign in</h1>
      <form method="post" action="/sign-in" class="card">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "token-error" : "token-hint"}
          required
        />
        <p class="hint" id="token-hint">
          The server's NIGHTPULL_TOKEN. It is exchanged for a session cookie and not kept in the
          browser.
        </p>
        {error ? <p class="field-error" id="token-error" role="alert">{error}</p> : null}
        <p>
          <button type="submit" class="primary">Sign in</button>
        </p>
      </form>
    </Page>,
    error ? 401 : 200,
  );
}

/** `GET /sign-in`. */
export function signInForm(c: Context) {
  return signInPage(c);
}

/** `POST /sign-in`: a same-origin post of the right token opens a session. */
export async function signIn(c: Context, sessions: Sessions) {
  if (!isSameOrigin(c.req.raw)) return c.text("cross-origin sign-in refused", 403);
  const body = await c.req.parseBody();
  const token = typeof body.token === "string" ? body.token : "";
  if (!token || !sessions.tokenMatches(token)) {
    return signInPage(c, "That token is not valid for this server.");
  }
  const id = await sessions.open();
  setCookie(c, SESSION_COOKIE, id, sessionCookieOptions(c, SESSION_TTL_MS / 1000));
  return c.redirect("/", 303);
}

/** `POST /sign-out`: ends the session server-side and clears the cookie. */
export async function signOut(c: Context, sessions: Sessions) {
  await sessions.close(c);
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c, 0));
  return c.redirect("/sign-in", 303);
}
