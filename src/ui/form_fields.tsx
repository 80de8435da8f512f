// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * The schedule form's building blocks: a labelled input and a labelled select, each with its
 * hint and the service's message for that field, wired with aria-describedby/aria-invalid.
 * @module
 */
import type { FormValues } from "./form_input.ts";

/** What the form shows besides the values. */
export interface FormState {
  values: FormValues;
  /** Messages by form field name ("" = not tied to one field). */
  errors: Record<string, string>;
  /** Next runs of the trigger, when previewed. */
  preview?: string[];
  /** Where it posts: `/schedules/new` or `/schedules/{id}/edit`. */
  action: string;
  title: string;
}

/** The first value of form field `k` ("" when absent). */
const val = (v: FormValues, k: string): string => {
  const x = v[k];
  return Array.isArray(x) ? x[0] ?? "" : x ?? "";
};

/** A labelled text input (or textarea), with its hint and its error message. */
export function Field(
  props: {
    name: string;
    label: string;
    state: FormState;
    hint?: string;
    type?: string;
    list?: string;
    placeholder?: string;
    multiline?: boolean;
  },
) {
  const err = props.state.errors[props.name];
  const id = `f-${props.name}`;
  const described = [props.hint ? `${id}-hint` : "", err ? `${id}-error` : ""].join(" ").trim();
  const common = {
    id,
    name: props.name,
    "aria-invalid": err ? "true" : undefined,
    "aria-describedby": described || undefined,
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.multiline
        ? <textarea {...common} rows={2}>{val(props.state.values, props.name)}</textarea>
        : (
          <input
            {...common}
            type={props.type ?? "text"}
            list={props.list}
            placeholder={props.placeholder}
            value={val(props.state.values, props.name)}
          />
        )}
      {props.hint ? <p class="hint" id={`${id}-hint`}>{props.hint}</p> : null}
      {err ? <p class="field-error" id={`${id}-error`} data-error-for={props.name}>{err}</p> : null}
    </div>
  );
}

/** A labelled select, with its error message. */
export function Select(
  props: { name: string; label: string; state: FormState; options: [string, string][] },
) {
  const current = val(props.state.values, props.name);
  const err = props.state.errors[props.name];
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name} aria-invalid={err ? "true" : undefined}>
        {props.options.map(([v, l]) => <option value={v} selected={current === v}>{l}</option>)}
      </select>
      {err ? <p class="field-error" data-error-for={props.name}>{err}</p> : null}
    </div>
  );
}
