/**
 * How a schedule presents itself, from its body: the name it gets when it names none, a
 * free-text description, labels (`{"team": "nlp"}`) and a priority from 1 to 10.
 *
 * @example
 * ```ts
 * const labels = normalizeLabels({ team: "nlp" });
 * const name = defaultName(parseSource("hf:openai-community/gpt2")); // "gpt2"
 * ```
 * @module
 */
import type { Source } from "../../download/source/source.ts";
import { DEFAULT_PRIORITY } from "../runs/run_defaults.ts";
import { invalid, text } from "./input_checks.ts";

/** Most labels one schedule may carry. */
const MAX_LABELS = 32;
/** A label key: letters, digits, `_ . / -`, starting with a letter or digit (no `:`). */
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/;

/** A description: free text of up to 2000 characters; line breaks and tabs are fine. */
export function normalizeDescription(value: unknown): string {
  if (
    typeof value !== "string" || value.length > 2000 ||
    // deno-lint-ignore no-control-regex -- control characters other than \t \n \r are refused
    /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value) || !value.isWellFormed()
  ) {
    throw invalid(
      "description",
      "invalid description: expected text of at most 2000 characters without control characters",
    );
  }
  return value;
}

/** Labels: `{"team": "nlp"}`, at most MAX_LABELS, keys as LABEL_KEY, values short text. */
export function normalizeLabels(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("labels", 'invalid labels: expected an object of texts such as {"team": "nlp"}');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_LABELS) {
    throw invalid("labels", `invalid labels: ${entries.length} labels, at most ${MAX_LABELS}`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!LABEL_KEY.test(key)) {
      throw invalid(
        `labels.${key}`,
        `invalid label key ${JSON.stringify(key)}: expected 1 to 63 letters, digits, ` +
          "'_', '.', '/' or '-', starting with a letter or digit",
      );
    }
    out[key] = text(v, `labels.${key}`, 128);
  }
  return out;
}

/** A priority: a whole number from 1 to 10 (higher starts first). */
export function normalizePriority(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 10) {
    throw invalid(
      "priority",
      `invalid priority ${JSON.stringify(value)}: expected a whole number from 1 to 10 ` +
        `(default ${DEFAULT_PRIORITY}; higher starts first)`,
    );
  }
  return value;
}

/** Name for a schedule that has none: the repo name (with a non-main revision) or file name. */
export function defaultName(source: Source): string {
  if (source.kind === "hf") {
    const name = source.repoId.split("/").pop()!;
    return source.revision === "main" ? name : `${name}@${source.revision}`;
  }
  const last = source.url.pathname.split("/").filter(Boolean).pop();
  return last ? decodeURIComponent(last).slice(0, 100) : source.url.hostname;
}
