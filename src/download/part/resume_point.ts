/**
 * Where a resumed download starts, for progress reporting: what an earlier attempt left in
 * its part file.
 *
 * @example
 * ```ts
 * onEvent({ type: "progress", path, bytes: await resumableBytes(partPath), total });
 * ```
 * @module
 */
import { fileSize } from "./part_file.ts";
import { doneRanges, readPartState } from "./part_state.ts";
import { coveredBytes } from "../transfer/range_plan.ts";

/**
 * Bytes an earlier attempt left in a part file: its length, or for a multi-connection part
 * (preallocated to full size) the ranges its sidecar records as written. An estimate for
 * progress only: the fetcher itself decides whether the part is reusable.
 */
export async function resumableBytes(partPath: string): Promise<number> {
  const size = await fileSize(partPath);
  if (size === undefined) return 0;
  const state = await readPartState(partPath).catch(() => undefined);
  return state?.layout === "ranges" ? coveredBytes(doneRanges(state)) : size;
}
