/**
 * Pieces of an OpenAPI route definition shared by the `/api/v1` routes: the bearer security
 * requirement, JSON request and response bodies, and the contract's error responses.
 *
 * @example
 * ```ts
 * const responses = { 200: jsonResponse(RunSchema, "the run"), ...errorResponses(401, 404) };
 * ```
 * @module
 */
import type { z } from "@hono/zod-openapi";
import { ERROR_EXAMPLES } from "./examples.ts";
import { ErrorSchema } from "./view_schemas.ts";

/** OpenAPI security requirement of the `/api/v1` routes. */
export const bearerSecurity = [{ bearer: [] }];

/** A JSON response of `schema`, for a route definition. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body of `schema`, for a route definition. */
export const jsonRequest = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Error responses shared by the `/api/v1` routes, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, {
      description: ERROR_DESCRIPTIONS[s] ?? "error",
      content: { "application/json": { schema: ErrorSchema, example: ERROR_EXAMPLES[s] } },
    }]),
  );

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "malformed JSON or invalid cursor",
  401: "missing or invalid bearer token",
  404: "unknown id",
  409: "state conflict",
  413: "body too large",
  415: "not JSON",
  422: "valid JSON that fails validation",
};
