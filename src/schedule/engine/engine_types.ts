/**
 * What the engine and its run dispatcher share with the outside: the executor that performs a
 * run and the events they emit. Kept apart so neither of the two imports the other's module.
 *
 * @example
 * ```ts
 * const execute: Executor = ({ spec, signal }) => pull(spec, { config, kv, signal });
 * ```
 * @module
 */
import type { DownloadSpec, Run, Schedule } from "../../store/records.ts";

/** What the engine calls to perform a run; the serve command passes one built on `pull()`. */
export type Executor = (job: {
  run: Run;
  schedule: Schedule | null;
  spec: DownloadSpec;
  signal: AbortSignal;
  onEvent?: (e: unknown) => void;
}) => Promise<{
  commit: string | null;
  files: { total: number; done: number; skipped: number };
  bytes: number;
}>;

/** Something that happened to a run, for live views (SSE) and tests. */
export type EngineEvent =
  | { type: "run"; run: Run }
  | { type: "progress"; runId: string; event: unknown };
