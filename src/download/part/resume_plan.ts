/**
 * What an earlier call left behind, and how to continue from it: append to a part from its
 * size, resume the missing ranges of a preallocated part, or start from zero. A part whose
 * sidecar describes other content (identity, size) is discarded here.
 *
 * @example
 * ```ts
 * const plan = await planResume(ctx); // { kind: "append", offset: 1048576, total: 2097165 }
 * ```
 * @module
 */
import { discardPart, fileSize } from "./part_file.ts";
import { doneRanges, readPartState, removePartState, sameIdentity } from "./part_state.ts";
import { type ByteRange, coveredBytes } from "../transfer/range_plan.ts";
import type { TransferContext } from "../transfer/transfer.ts";

/** How a download continues. */
export type ResumePlan =
  | { kind: "append"; offset: number; total?: number; serverEtag?: string }
  | { kind: "ranges"; total: number; done: ByteRange[]; serverEtag?: string };

/** Reads what an earlier call left behind and decides how to continue; discards what cannot. */
export async function planResume(ctx: TransferContext): Promise<ResumePlan> {
  const size = await fileSize(ctx.partPath);
  const state = await readPartState(ctx.partPath);
  const fresh: ResumePlan = { kind: "append", offset: 0, total: ctx.expected.size };
  if (size === undefined) {
    if (state) await removePartState(ctx.partPath);
    return fresh;
  }
  const kept = state?.layout === "ranges" ? coveredBytes(doneRanges(state)) : size;
  const discard = async () => {
    if (kept > 0) ctx.restarted = true;
    await discardPart(ctx.partPath);
    return fresh;
  };
  if (state && !sameIdentity(state.identity, ctx.expected)) return await discard();
  const total = ctx.expected.size ?? state?.total;
  if (state?.total !== undefined && total !== undefined && state.total !== total) {
    return await discard();
  }
  if (state?.layout === "ranges") {
    if (ctx.forceSingle || size !== state.total) return await discard();
    return {
      kind: "ranges",
      total: state.total!,
      done: doneRanges(state),
      serverEtag: state.serverEtag,
    };
  }
  if (total !== undefined && size > total) return await discard();
  return { kind: "append", offset: size, total, serverEtag: state?.serverEtag };
}
