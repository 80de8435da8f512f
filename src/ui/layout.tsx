/**
 * The page shell every dashboard page shares: head with the stylesheet and the one script
 * (both same-origin assets, no inline code, so the CSP can forbid inline script and style),
 * the navigation, and a sign-out button when signed in.
 * @module
 */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { assetPath } from "./assets.ts";

/** What the shell needs to know about the request. */
export interface PageContext {
  /** CSRF token for forms; empty when no session exists (no token configured). */
  csrf: string;
  /** A session is open (a token is configured and the browser signed in). */
  signedIn: boolean;
}

/** A whole HTML page around `children`. */
export function Page(
  props: { title: string; ctx: PageContext | null; children?: Child; current?: string },
) {
  const nav: [string, string][] = [["/", "Overview"], ["/schedules/new", "New schedule"], [
    "/cache",
    "Cache",
  ]];
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          {props.ctx?.csrf ? <meta name="csrf-token" content={props.ctx.csrf} /> : null}
          <title>{props.title} · nightpull</title>
          <link rel="icon" type="image/svg+xml" href={assetPath("icon.svg")} />
          <link rel="stylesheet" href={assetPath("style.css")} />
          <script type="module" src={assetPath("app.js")}></script>
        </head>
        <body>
          <a class="skip" href="#main">Skip to content</a>
          <header class="top">
            <a class="brand" href="/">nightpull</a>
            {props.ctx
              ? (
                <nav aria-label="Main">
                  {nav.map(([href, label]) => (
                    <a href={href} aria-current={props.current === href ? "page" : undefined}>
                      {label}
                    </a>
                  ))}
                </nav>
              )
              : null}
            {props.ctx?.signedIn
              ? (
                <form method="post" action="/sign-out">
                  <input type="hidden" name="_csrf" value={props.ctx.csrf} />
                  <button type="submit">Sign out</button>
                </form>
              )
              : null}
          </header>
          <main id="main">{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** The hidden CSRF field every state-changing form carries. */
export function CsrfField(props: { ctx: PageContext }) {
  return props.ctx.csrf ? <input type="hidden" name="_csrf" value={props.ctx.csrf} /> : null;
}

/** A status word as a colored badge. */
export function StatusBadge(props: { status: string; live?: boolean }) {
  return (
    <span class={`badge s-${props.status}`} data-status={props.live ? "" : undefined}>
      {props.status.replace("_", " ")}
    </span>
  );
}
