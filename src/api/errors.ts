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
import { validationError } from "../schedule/service/input_errors.ts";
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
