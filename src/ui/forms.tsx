/**
 * Handlers of the create and edit forms and of the trigger preview. Saving calls the same
 * service functions as `POST /schedules` and `PUT /schedules/{id}`, so validation and its
 * messages are the API's; on an error the form comes back (422) with each message beside its
 * field and nothing stored.
 * @module
 */
import type { Context } from "hono";
import { clientMessage, NightpullError, toNightpullError } from "../errors.ts";
import { nextRuns, triggerZone, validateTrigger } from "../schedule/trigger/trigger.ts";
import type { DashboardDeps } from "./deps.ts";
import { formFieldOf, type FormValues, inputOf, triggerOf, valuesOf } from "./form_input.ts";
import type { PageContext } from "./layout.tsx";
import { type FormState, ScheduleForm } from "./schedule_form.tsx";
import { formatInstant } from "./words.ts";

/** The posted form as values (repeated names become lists). */
export async function formValues(c: Context): Promise<FormValues> {
  const body = await c.req.parseBody({ all: true });
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
    else if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** The next 5 runs of the form's trigger in words, or the error tied to its field. */
function previewOf(
  values: FormValues,
  deps: DashboardDeps,
): { runs: string[] } | { field: string; message: string } {
  const now = new Date(deps.clock.now());
  try {
    const trigger = validateTrigger(triggerOf(values), now, deps.config.timezone);
    const zone = triggerZone(trigger, deps.config.timezone);
    return {
      runs: nextRuns(trigger, deps.config.timezone, now, 5).map((d) =>
        `${formatInstant(d, zone)} ${zone}`
      ),
    };
  } catch (err) {
    const e = toNightpullError(err);
    if (e.status >= 500) throw err;
    const field = typeof e.details?.field === "string" ? e.details.field : "";
    return { field: formFieldOf(field, triggerOf(values)), message: clientMessage(e) };
  }
}

function render(c: Context, ctx: PageContext, state: FormState, status: 200 | 422 = 200) {
  return c.html(<ScheduleForm state={state} ctx={ctx} />, status);
}

/** `GET /schedules/new`. */
export function newForm(c: Context, ctx: PageContext) {
  const values: FormValues = { trigger_type: "cron", cron: "0 2 * * *", overlap: "skip" };
  return render(c, ctx, { values, errors: {}, action: "/schedules/new", title: "New schedule" });
}

/** `GET /schedules/{id}/edit`. */
export async function editForm(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const id = c.req.param("id")!;
  const s = await deps.service.get(id);
  return render(c, ctx, {
    values: valuesOf(s),
    errors: {},
    action: `/schedules/${id}/edit`,
    title: `Edit ${s.name}`,
  });
}

/** `POST /schedules/new` and `POST /schedules/{id}/edit`: preview, or save and redirect. */
export async function saveForm(c: Context, deps: DashboardDeps, ctx: PageContext) {
  const id = c.req.param("id");
  const values = await formValues(c);
  const state: FormState = {
    values,
    errors: {},
    action: id ? `/schedules/${id}/edit` : "/schedules/new",
    title: id ? "Edit schedule" : "New schedule",
  };
  if (values.intent === "preview") {
    const p = previewOf(values, deps);
    if ("runs" in p) state.preview = p.runs;
    else state.errors[p.field] = p.message;
    return render(c, ctx, state);
  }
  try {
    const existing = id ? await deps.service.get(id) : undefined;
    const input = inputOf(values, existing);
    const saved = id ? await deps.service.replace(id, input) : await deps.service.create(input);
    return c.redirect(`/schedules/${saved.id}`, 303);
  } catch (err) {
    const e = toNightpullError(err);
    if (!(err instanceof NightpullError) || e.status >= 500 || e.code === "not_found") throw err;
    const field = typeof e.details?.field === "string" ? e.details.field : "";
    state.errors[formFieldOf(field, triggerOf(values))] = clientMessage(e);
    // a typed secret is not sent back into the page
    delete values.webhook_secret;
    return render(c, ctx, state, 422);
  }
}

/** `GET /ui/preview?…form fields…`: the trigger preview as JSON, for the script. */
export function previewJson(c: Context, deps: DashboardDeps) {
  const values: FormValues = {};
  for (const [k, v] of Object.entries(c.req.queries())) values[k] = v;
  return c.json(previewOf(values, deps));
}
