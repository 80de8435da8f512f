/**
 * A failed zod parse as one NightpullError whose message says what was wrong and what would be
 * right, for the API's request validation and the service's input schema alike.
 *
 * @example
 * ```ts
 * const result = ScheduleInputSchema.safeParse(body);
 * if (!result.success) throw validationError(result.error, "schedule");
 * ```
 * @module
 */
import type { z } from "@hono/zod-openapi";
import { NightpullError } from "../../errors.ts";

/** Dotted path of a zod issue (`trigger.expression`, `include[1]`); empty for the root. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  const where = issuePath(issue.path);
  const at = where ? `"${where}"` : "the body";
  switch (issue.code) {
    case "invalid_type": {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      return received === "undefined"
        ? `${at} is required (expected ${issue.expected})`
        : `${at} must be ${issue.expected}${received ? `, got ${received}` : ""}`;
    }
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options)) {
        return `${at} must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
      }
      return `${at}: ${issue.message}`;
    case "invalid_value":
      return `${at} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

/**
 * The issues of the union member the input came closest to (fewest issues), in place of a
 * bare "Invalid input": `{"start": "22:00"}` against window-or-range says `"end" is required`.
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || !issue.errors?.length) return [issue];
  const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
  if (best.length === 0) return [issue];
  return best.flatMap((i) => closestBranch({ ...i, path: [...issue.path, ...i.path] }));
}

/**
 * One NightpullError for a failed zod parse: `unknown_field` when the input names a field the
 * schema does not know (those are the likeliest typos), else `invalid_input`. `details.field`
 * is the first offending path, `details.issues` lists all of them.
 */
export function validationError(error: z.ZodError, target: string): NightpullError {
  const issues = error.issues.flatMap(closestBranch);
  const unknown = issues.find((i) => i.code === "unrecognized_keys");
  const where = target === "json" ? "request body" : target === "param" ? "path" : target;
  const list = issues.map((i) => ({ path: issuePath(i.path), message: describe(i) }));
  if (unknown && unknown.code === "unrecognized_keys") {
    const fields = unknown.keys.map((k) => issuePath([...unknown.path, k]));
    return new NightpullError(
      "unknown_field",
      `unknown field${fields.length > 1 ? "s" : ""} ${
        fields.map((f) => `"${f}"`).join(", ")
      } in the ${where}; remove ${
        fields.length > 1 ? "them" : "it"
      } (GET /openapi.json lists the accepted fields)`,
      { field: fields[0], fields },
    );
  }
  const first = issues[0];
  const field = first ? issuePath(first.path) : "";
  return new NightpullError(
    "invalid_input",
    `invalid ${where}: ${list.map((i) => i.message).join("; ")}`,
    { field, issues: list },
  );
}
