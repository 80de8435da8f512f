/**
 * The web dashboard's routes (DESIGN.md, Web dashboard): pages rendered on the server, one
 * stylesheet and one script as assets, the form and action posts, and sign-in when the server
 * has a token. Every state-changing request must be same-origin; with a token it also needs a
 * session and its CSRF token. Mounted by the API app on {@link DASHBOARD_PATHS}.
 *
 * @example
 * ```ts
 * const ui = dashboardApp({ service, overview, kv, config, clock });
 * for (const p of DASHBOARD_PATHS) app.all(p, (c) => ui.fetch(c.req.raw));
 * ```
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { NightpullError } from "../errors.ts";
import { deleteSchedule, lifecycle, NOTICES, runNow } from "./actions.tsx";
import { serveAsset } from "./assets.ts";
import { cachePage, prunePost, verifyPost } from "./cache_page.tsx";
import type { DashboardDeps } from "./deps.ts";
import { editForm, newForm, previewJson, saveForm } from "./forms.tsx";
import { securityHeaders } from "./headers.ts";
import type { PageContext } from "./layout.tsx";
import { overviewPage } from "./overview.tsx";
import { runPage } from "./run_page.tsx";
import { isSameOrigin } from "./same_origin.ts";
import { schedulePage } from "./schedule_page.tsx";
import { Sessions } from "./session.ts";
import { signIn, signInForm, signOut } from "./sign_in.tsx";
import { errorPage } from "./error_page.tsx";

/** Paths the dashboard answers (everything else stays the API's). */
export const DASHBOARD_PATHS = [
  "/",
  "/schedules/*",
  "/runs/*",
  "/cache",
  "/cache/*",
  "/sign-in",
  "/sign-out",
  "/assets/*",
  "/ui/*",
] as const;

type Env = { Variables: { page: PageContext } };

/** Largest form body accepted. */
const FORM_LIMIT = 64 * 1024;

/** Builds the dashboard app; see the module doc. */
export function dashboardApp(deps: DashboardDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use("*", securityHeaders);
  app.get("/assets/:name", serveAsset);
  app.use("*", bodyLimit({ maxSize: FORM_LIMIT, onError: (c) => c.text("form too large", 413) }));
  const token = deps.config.apiToken;
  if (token) guardWithSessions(app, deps, token);
  else guardSameOrigin(app);
  routePages(app, deps);
  app.notFound((c) => errorPage(c, c.get("page") ?? null, 404, "There is no such page."));
  app.onError((err, c) => {
    if (err instanceof NightpullError && err.status < 500) {
      return errorPage(c, c.get("page") ?? null, err.status, err.message);
    }
    deps.logger.error("ui.error", { path: c.req.path, message: (err as Error).message });
    return errorPage(c, c.get("page") ?? null, 500, "Something went wrong on the server.");
  });
  return app;
}

/** With a token: sign-in and sign-out, and every other request needs a session (and CSRF). */
function guardWithSessions(app: Hono<Env>, deps: DashboardDeps, token: string): void {
  const sessions = new Sessions(deps.kv, token, () => deps.clock.now());
  app.get("/sign-in", (c) => signInForm(c));
  app.post("/sign-in", (c) => signIn(c, sessions));
  app.use("*", async (c, next) => {
    const session = await sessions.of(c);
    if (!session) {
      if (c.req.method === "GET" || c.req.method === "HEAD") return c.redirect("/sign-in", 303);
      return c.text("sign in first", 401);
    }
    const form = c.req.method === "POST" ? await c.req.parseBody() : {};
    const csrf = typeof form._csrf === "string" ? form._csrf : undefined;
    if (!sessions.allows(c, session, csrf)) {
      return c.text("refused: cross-origin request or missing CSRF token", 403);
    }
    c.set("page", { csrf: session.csrf, signedIn: true });
    await next();
  });
  app.post("/sign-out", (c) => signOut(c, sessions));
}

/** Without a token: no sign-in; a state-changing request must be same-origin. */
function guardSameOrigin(app: Hono<Env>): void {
  app.get("/sign-in", (c) => c.redirect("/", 303));
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !isSameOrigin(c.req.raw)) {
      return c.text("refused: cross-origin request", 403);
    }
    c.set("page", { csrf: "", signedIn: false });
    await next();
  });
}

/** The pages, the form and action posts. */
function routePages(app: Hono<Env>, deps: DashboardDeps): void {
  app.get("/", (c) => overviewPage(c, deps, c.get("page")));
  app.get("/cache", (c) => cachePage(c, deps, c.get("page")));
  app.post("/cache/prune", (c) => prunePost(c, deps, c.get("page")));
  app.post("/cache/verify", (c) => verifyPost(c, deps));
  app.get("/ui/preview", (c) => previewJson(c, deps));
  app.get("/schedules/new", (c) => newForm(c, c.get("page")));
  app.post("/schedules/new", (c) => saveForm(c, deps, c.get("page")));
  app.get("/schedules/:id", (c) => {
    const done = c.req.query("done");
    return schedulePage(c, deps, c.get("page"), done ? NOTICES[done] : undefined);
  });
  app.get("/schedules/:id/edit", (c) => editForm(c, deps, c.get("page")));
  app.post("/schedules/:id/edit", (c) => saveForm(c, deps, c.get("page")));
  app.post("/schedules/:id/pause", (c) => lifecycle(c, deps, "pause"));
  app.post("/schedules/:id/resume", (c) => lifecycle(c, deps, "resume"));
  app.post("/schedules/:id/run", (c) => runNow(c, deps, c.get("page")));
  app.post("/schedules/:id/delete", (c) => deleteSchedule(c, deps));
  app.get("/runs/:id", (c) => runPage(c, deps, c.get("page")));
}
