/**
 * The HTTP API (DESIGN.md, HTTP API).
 * @module
 */
export * from "./app.ts";
