/**
 * The download part of a schedule (pure): what a run of it hands to the executor.
 *
 * @example
 * ```ts
 * const spec = specOf(schedule); // { source, include, exclude, layout, dir?, ... }
 * ```
 * @module
 */
import type { DownloadSpec, Schedule } from "../../store/records.ts";

/** The download part of a schedule. */
export function specOf(s: Schedule): DownloadSpec {
  const spec: DownloadSpec = {
    source: s.source,
    include: s.include,
    exclude: s.exclude,
    layout: s.layout,
  };
  if (s.dir !== undefined) spec.dir = s.dir;
  if (s.sha256 !== undefined) spec.sha256 = s.sha256;
  if (s.filename !== undefined) spec.filename = s.filename;
  if (s.connections !== undefined) spec.connections = s.connections;
  if (s.bandwidth !== undefined) spec.bandwidth = s.bandwidth;
  if (s.verify !== undefined) spec.verify = s.verify;
  if (s.keepRevisions !== undefined) spec.keepRevisions = s.keepRevisions;
  if (s.prune) spec.prune = true;
  return spec;
}
