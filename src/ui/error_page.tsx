/**
 * The dashboard's error page: a status, a sentence a person can act on, a way back. No stack
 * trace ever reaches it.
 * @module
 */
import type { Context } from "hono";
import { Page, type PageContext } from "./layout.tsx";

/** Renders an error page with `status`. */
export function errorPage(c: Context, ctx: PageContext | null, status: number, message: string) {
  return c.html(
    <Page title="Error" ctx={ctx}>
      <h1>{status === 404 ? "Not found" : "Something is wrong"}</h1>
      <p class="card">{message}</p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </Page>,
    status as 404,
  );
}
