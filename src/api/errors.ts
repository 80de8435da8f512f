/**
 * Turns everything that can go wrong in a request into the contract's error body
 * `{"error": {"code", "message", "details"?}}` with the status from `src/errors.ts`. Validation
 * failures name the offending field; unexpected errors become a bare 500 `internal` whose cause
 * goes to the log only.
 *
 * @example
 * ```ts
 * app.onError(errorHandler(logger));
 * ```
 * @module
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "@hono/zod-openapi";
import { clientMessage, type ErrorCode, NightpullError } from "../errors.ts";
import type { Logger } from "../log.ts";

/**
 * The JSON response for a NightpullError, with its contract status. A client error whose
 * `details.field` the message does not mention gets it as a prefix, so the message alone says
 * which field to fix.
 */
export function errorResponse(c: Context, err: NightpullError): Response {
  const body = err.toJSON();
  body.error.message = clientMessage(err);
  return c.json(body, err.status as 400);
}

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

/** `defaultHook` of every OpenAPIHono: validation failures answer in our error shape. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  return errorResponse(c, validationError(result.error, result.target));
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: "malformed_json",
  401: "auth_required",
  404: "not_found",
  413: "body_too_large",
  415: "unsupported_media_type",
};

/**
 * The app's `onError`: NightpullErrors answer with their code; Hono's own HTTP exceptions
 * (e.g. the media-type gate) keep their status; anything else is logged and answered with a
 * message free of stacks and secrets.
 */
export function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof NightpullError && err.code !== "internal") {
      if (err.status >= 500) {
        logger.warn("api.upstream_error", { path: c.req.path, code: err.code, error: err.message });
      }
      return errorResponse(c, err);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const code = HTTP_CODES[err.status] ?? "usage";
      return errorResponse(c, new NightpullError(code, err.message || `HTTP ${err.status}`));
    }
    logger.error("api.internal_error", {
      method: c.req.method,
      path: c.req.path,
      error: err.message,
    });
    // The stack only where debug logs were asked for (--log-level debug).
    logger.debug("api.internal_error.stack", { path: c.req.path, stack: err.stack });
    return errorResponse(
      c,
      new NightpullError("internal", "internal error: the server log has the details"),
    );
  };
}
