/**
 * The HTTP API (DESIGN.md, HTTP API): one file per resource (schedules, runs, time windows,
 * downloads, manifests, the cache, the scheduler, health, metrics), the request and response
 * schemas the OpenAPI document is generated from, error mapping, auth and the same-origin
 * guard, and `events/`: live run events (a hub fed by the engine, one bounded queue per SSE
 * reader). The app that puts these together with the dashboard is `src/server.ts`.
 * @module
 */
export * from "./app.ts";
