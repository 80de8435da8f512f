// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * The create and edit form. Works as a plain HTML form (POST, the page comes back with the
 * service's messages beside the fields and nothing saved); "Preview next runs" shows the next 5
 * occurrences from the server, and the script refreshes that preview as the trigger is typed.
 * @module
 */
import type { Child } from "hono/jsx";
import { WEEKDAYS } from "../schedule/window/time_window_input.ts";
import { WINDOW_ROWS } from "./form_input.ts";
export type { FormState } from "./form_fields.tsx";
import { Field, type FormState, Select } from "./form_fields.tsx";
import { CsrfField, Page, type PageContext } from "./layout.tsx";

let zones: string[] | undefined;
/** IANA zone names the runtime knows, for the picker. */
function zoneNames(): string[] {
  return zones ??= ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
}

/** One time window: opening and closing time and the weekdays it opens. */
function WindowRow(props: { i: number; state: FormState }) {
  const { i, state } = props;
  const raw = state.values[`win${i}_days`];
  const days = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const err = state.errors[`win${i}_days`];
  return (
    <fieldset>
      <legend>Window {i + 1}</legend>
      <div class="grid">
        <Field name={`win${i}_start`} label="Opens (HH:MM)" state={state} placeholder="22:00" />
        <Field name={`win${i}_end`} label="Closes (HH:MM)" state={state} placeholder="07:00" />
      </div>
      <p class="hint">Days it opens (none ticked: every day)</p>
      {WEEKDAYS.map((d) => (
        <label class="check" for={`f-win${i}-${d}`}>
          <input
            type="checkbox"
            id={`f-win${i}-${d}`}
            name={`win${i}_days`}
            value={d}
            checked={days.includes(d)}
          />
          {d}
        </label>
      ))}
      {err ? <p class="field-error" data-error-for={`win${i}_days`}>{err}</p> : null}
    </fieldset>
  );
}

/** The banner above the form when the service refused it, with the message tied to no field. */
function ErrorSummary(props: { errors: Record<string, string> }) {
  const general = props.errors[""];
  const count = Object.keys(props.errors).length;
  return count
    ? (
      <div class="card error-summary" role="alert">
        Nothing was saved: fix the field{count > 1 ? "s" : ""} marked below.
        {general ? <p class="field-error" data-error-for="">{general}</p> : null}
      </div>
    )
    : null;
}

/** "What": the source, name, labels, priority, globs and layout. */
function WhatFieldset(props: { state: FormState }) {
  const { state } = props;
  return (
    <fieldset>
      <legend>What</legend>
      <Field
        name="source"
        label="Source"
        state={state}
        hint="hf:org/name[@revision], hf:datasets/org/name, or an https:// URL"
      />
      <Field name="name" label="Name" state={state} hint="Default: taken from the source" />
      <Field name="description" label="Description" state={state} multiline />
      <div class="grid">
        <Field
          name="labels"
          label="Labels"
          state={state}
          multiline
          hint="One key=value per line, e.g. team=nlp"
        />
        <Field
          name="priority"
          label="Priority (1-10)"
          state={state}
          type="number"
          hint="When downloads are held back, higher runs first; default 5"
        />
      </div>
      <div class="grid">
        <Field
          name="include"
          label="Include globs"
          state={state}
          multiline
          hint="One per line"
        />
        <Field
          name="exclude"
          label="Exclude globs"
          state={state}
          multiline
          hint="One per line"
        />
      </div>
      <div class="grid">
        <Select
          name="layout"
          label="Layout"
          state={state}
          options={[["", "default"], ["hf-cache", "HF cache"], ["local-dir", "local dir"]]}
        />
        <Field name="dir" label="Directory" state={state} hint="For local-dir; absolute" />
        <Field name="sha256" label="SHA-256 (URL sources)" state={state} />
        <Field name="filename" label="File name (URL sources)" state={state} />
      </div>
    </fieldset>
  );
}

/** "When": the trigger, its time zone, and the preview of the next runs. */
function WhenFieldset(props: { state: FormState }) {
  const { state } = props;
  return (
    <fieldset>
      <legend>When</legend>
      <Select
        name="trigger_type"
        label="Trigger"
        state={state}
        options={[["cron", "cron"], ["interval", "interval"], ["once", "once"]]}
      />
      <div class="grid">
        <Field name="cron" label="Cron expression" state={state} placeholder="0 2 * * *" />
        <Field
          name="timezone"
          label="Time zone"
          state={state}
          list="zones"
          hint="IANA name; blank: the server's"
        />
        <Field name="every" label="Every (interval)" state={state} placeholder="6h" />
        <Field name="start_at" label="Starting at (interval, ISO 8601)" state={state} />
        <Field name="at" label="At (once, ISO 8601 with offset)" state={state} />
      </div>
      <datalist id="zones">{zoneNames().map((z) => <option value={z} />)}</datalist>
      <button type="submit" name="intent" value="preview" formnovalidate>
        Preview next runs
      </button>
      <div aria-live="polite" data-preview="">
        {state.preview
          ? (
            <ol class="small">
              {state.preview.map((t) => <li>{t}</li>)}
            </ol>
          )
          : null}
      </div>
    </fieldset>
  );
}

/** "Time window": the window rows, their time zone and what happens at the end. */
function WindowFieldset(props: { state: FormState }) {
  const { state } = props;
  return (
    <fieldset>
      <legend>Time window</legend>
      {Array.from({ length: WINDOW_ROWS }, (_, i) => <WindowRow i={i} state={state} />)}
      <div class="grid">
        <Field name="window_timezone" label="Window time zone" state={state} list="zones" />
        <Select
          name="on_end"
          label="At the window's end"
          state={state}
          options={[["continue", "let the run finish"], [
            "pause",
            "pause, resume at next opening",
          ]]}
        />
      </div>
    </fieldset>
  );
}

/** "How": bandwidth, retries, misfire grace, retention, overlap, extra fields, webhook. */
function HowFieldset(props: { state: FormState; children?: Child }) {
  const { state } = props;
  return (
    <fieldset>
      <legend>How</legend>
      <div class="grid">
        <Field name="bandwidth" label="Bandwidth limit" state={state} placeholder="10M" />
        <Field name="retry_attempts" label="Retry attempts" state={state} type="number" />
        <Field name="retry_backoff" label="Retry backoff" state={state} placeholder="30s" />
        <Field name="retry_factor" label="Backoff factor" state={state} />
        <Field name="retry_max_backoff" label="Max backoff" state={state} placeholder="30m" />
        <Field name="misfire_grace" label="Misfire grace" state={state} placeholder="10m" />
        <Field
          name="keep_revisions"
          label="Keep revisions"
          state={state}
          type="number"
          hint="After a new commit, older snapshots beyond this many are removed; blank keeps all"
        />
        <Select
          name="overlap"
          label="If still running"
          state={state}
          options={[["skip", "skip the new run"], ["queue", "queue it"]]}
        />
      </div>
      {props.children}
      <div class="grid">
        <Field name="webhook_url" label="Webhook URL" state={state} type="url" />
        <Field
          name="webhook_secret"
          label="Webhook secret"
          state={state}
          type="password"
          hint="Blank keeps the stored one"
        />
      </div>
    </fieldset>
  );
}

/** The whole form page. */
export function ScheduleForm(props: { state: FormState; ctx: PageContext; children?: Child }) {
  const { state, ctx } = props;
  return (
    <Page title={state.title} ctx={ctx} current={state.action}>
      <h1>{state.title}</h1>
      <ErrorSummary errors={state.errors} />
      <form method="post" action={state.action} data-schedule-form="" novalidate>
        <CsrfField ctx={ctx} />
        <WhatFieldset state={state} />
        <WhenFieldset state={state} />
        <WindowFieldset state={state} />
        <HowFieldset state={state}>{props.children}</HowFieldset>
        <button type="submit" class="primary" name="intent" value="save">Save</button>
      </form>
    </Page>
  );
}
