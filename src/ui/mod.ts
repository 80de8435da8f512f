/**
 * The web dashboard served at `/` (re-exports only).
 * @module
 */
export { DASHBOARD_PATHS, dashboardApp } from "./dashboard.ts";
export type { DashboardDeps } from "./deps.ts";
export { Sessions } from "./session.ts";
