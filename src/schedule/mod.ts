/**
 * Scheduling: when downloads run, and the records of each run. Imports `cache/`, `download/`,
 * `store/` and the base layer; never `api/`, `cli/` or `ui/`.
 *
 * Sub-folders:
 * - `trigger/`: cron (croner), interval and once triggers as pure functions of time; misfire
 *   handling and the plan of what firing an occurrence writes; memoized upcoming runs.
 * - `window/`: time windows (`22:00-07:00` in a zone, day lists), how a run meets its window,
 *   and the window as its own resource.
 * - `runs/`: how a run record changes at each step (pure), defaults, the download spec.
 * - `engine/`: the scheduler engine (one timer over a heap of due times, the change poll across
 *   processes), the run dispatcher (slots by priority, leases, recovery, window watch,
 *   outcomes, retries), live progress of a run, run-end webhooks.
 * - `service/`: the schedule service behind the API, CLI and dashboard: input checks of
 *   meaning, create/edit/pause/delete, one-off downloads, declared schedules of the config file,
 *   read-only overviews.
 * @module
 */
export { Engine, type EngineEvent, type Executor } from "./engine/engine.ts";
export { RunProgressTracker } from "./engine/run_progress.ts";
export { ScheduleService } from "./service/service.ts";
export { applyDeclaredSchedules } from "./service/declared_schedules.ts";
