/**
 * `GET /cache`: the Hugging Face cache (repos, revisions, sizes, disk free). Until the cache
 * lifecycle API exists in this build, the page says so instead of showing made-up figures.
 * @module
 */
import type { Context } from "hono";
import { Page, type PageContext } from "./layout.tsx";

/** Renders the cache page. */
export function cachePage(c: Context, ctx: PageContext) {
  return c.html(
    <Page title="Cache" ctx={ctx} current="/cache">
      <h1>Cache</h1>
      <p class="card">
        Cache information is not available in this build: the server has no cache listing yet. Use
        {" "}
        <code>nightpull cache ls</code> where it exists, or <code>hf cache scan</code>.
      </p>
    </Page>,
  );
}
