/**
 * The schedule page's actions: pause, resume, run now (with `force` once the user confirmed a
 * run outside the window) and delete (soft; hard only after the name is typed). Each calls the
 * service function the API's route calls. A plain form gets a redirect (or a confirmation
 * page); the script asks for JSON and updates the page in place.
 * @module
 */
import type { Context } from "hono";
import { clientMessage, NightpullError } from "../errors.ts";
import type { DashboardDeps } from "./deps.ts";
import { formValues } from "./forms.tsx";
import { CsrfField, Page, type PageContext } from "./layout.tsx";

/** Outcome words shown on the schedule page after a redirect (`?done=`). */
export const NOTICES: Record<string, string> = {
  paused: "Paused: no new runs are planned until you resume it.",
  resumed: "Resumed: runs are planned again from now.",
  triggered: "Run started.",
  deleted: "Deleted. Its history is kept.",
  confirm: "Not deleted: to delete for good, type the schedule's name exactly.",
};

const wantsJson = (c: Context) => (c.req.header("accept") ?? "").includes("application/json");

function done(c: Context, id: string, what: string, extra: Record<string, unknown> = {}) {
  if (wantsJson(c)) return c.json({ ok: true, message: NOTICES[what], ...extra });
  return c.redirect(what === "deleted" && extra.hard ? "/" : `/schedules/${id}?done=${what}`, 303);
}

function failed(c: Context, err: unknown) {
  if (!(err instanceof NightpullError) || err.status >= 500) throw err;
  if (wantsJson(c)) {
    return c.json({ error: { code: err.code, message: clientMessage(err) } }, err.status as 409);
  }
  throw err;
}

/** `POST /schedules/{id}/{pause|resume}`. */
export async function lifecycle(c: Context, deps: DashboardDeps, action: "pause" | "resume") {
  const id = c.req.param("id")!;
  try {
    const s = action === "pause" ? await deps.service.pause(id) : await deps.service.resume(id);
    return done(c, id, action === "pause" ? "paused" : "resumed", { status: s.status });
  } catch (err) {
    return failed(c, err);
  }
}

/** `POST /schedules/{id}/run`: outside the window, asks for confirmation before `force`. */
export async function runNow(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const id = c.req.param("id")!;
  const force = (await formValues(c)).force === "1";
  try {
    const run = await deps.service.trigger(id, { force });
    if (wantsJson(c)) return c.json({ ok: true, message: NOTICES.triggered, runId: run.id });
    return c.redirect(`/runs/${run.id}`, 303);
  } catch (err) {
    if (err instanceof NightpullError && err.code === "outside_window" && !wantsJson(c)) {
      return c.html(
        <Page title="Run outside the window?" ctx={ctx}>
          <h1>Run outside the window?</h1>
          <p>{clientMessage(err)}</p>
          <form method="post" action={`/schedules/${id}/run`} class="actions">
            <CsrfField ctx={ctx} />
            <input type="hidden" name="force" value="1" />
            <button type="submit" class="primary">Run anyway</button>
            <a class="button" href={`/schedules/${id}`}>Cancel</a>
          </form>
        </Page>,
        409,
      );
    }
    return failed(c, err);
  }
}

/** `POST /schedules/{id}/delete`: soft, or hard when `hard=1` and `confirm` is the name. */
export async function deleteSchedule(c: Context, deps: DashboardDeps) {
  const id = c.req.param("id")!;
  const values = await formValues(c);
  const hard = values.hard === "1";
  try {
    if (hard) {
      const s = await deps.service.get(id);
      if (String(values.confirm ?? "").trim() !== s.name) {
        throw new NightpullError(
          "invalid_input",
          `to delete "${s.name}" for good, type its name exactly in the confirmation field`,
          { field: "confirm" },
        );
      }
    }
    await deps.service.delete(id, { hard });
    return done(c, id, "deleted", { hard });
  } catch (err) {
    if (err instanceof NightpullError && err.details?.field === "confirm" && !wantsJson(c)) {
      return c.redirect(`/schedules/${id}?done=confirm`, 303);
    }
    return failed(c, err);
  }
}
