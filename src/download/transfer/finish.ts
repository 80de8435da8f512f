/**
 * The end of every download: the size and hashes are checked against what was expected (a
 * mismatch deletes the part), the part's size on disk is checked once more, and only then is
 * the part renamed into place (fsync before rename, directory fsync after).
 *
 * @example
 * ```ts
 * const result = await finish(ctx, { finalPath }, outcome, resumedFrom);
 * ```
 * @module
 */
import { dirname } from "node:path";
import { NightpullError } from "../../errors.ts";
import { hashPrefix } from "../verify/checksum.ts";
import { commitPart, discardPart } from "../part/part_file.ts";
import type { TransferOutcome } from "./transfer.ts";
import type { TransferContext } from "./transfer.ts";

/** A verified, finalized download. */
export interface FetchFileResult {
  size: number;
  sha256: string;
  /** Git blob SHA-1, when `expected.gitSha1` asked for it. */
  gitSha1?: string;
  /** Body bytes received in this call. */
  bytesTransferred: number;
  /** Bytes of an earlier partial download that were kept (0 after a restart). */
  resumedFrom: number;
  /** `X-Linked-Etag` of the original origin's redirect, else the server's ETag (unquoted). */
  etag?: string;
  /** True when partial bytes were discarded (changed file, server ignoring Range). */
  restarted: boolean;
}

/** Where a verified part goes, and the check of each path before the rename. */
interface FinishPaths {
  finalPath: string;
  /** Checks a path (`leaf`: the path itself must not be a link); see fetchFile's guardPath. */
  guardPath?: (path: string, options?: { leaf?: boolean }) => Promise<void>;
}

/** True when every expected hash that is known matches. */
export function matches(
  expected: TransferContext["expected"],
  digests: { sha256: string; gitSha1?: string },
): boolean {
  if (expected.sha256 && expected.sha256.toLowerCase() !== digests.sha256) return false;
  if (expected.gitSha1 && expected.gitSha1.toLowerCase() !== digests.gitSha1) return false;
  return true;
}

/** Verifies size and hashes, then renames the part into place. */
export async function finish(
  ctx: TransferContext,
  paths: FinishPaths,
  outcome: TransferOutcome,
  resumedFrom: number,
): Promise<FetchFileResult> {
  const checked = await verified(ctx, outcome);
  // What is renamed must be what was hashed: with the file's lock held nobody else writes the
  // part, and its size on disk is checked once more right before the rename.
  const onDisk = (await Deno.stat(ctx.partPath)).size;
  if (onDisk !== checked.size) {
    await discardPart(ctx.partPath);
    throw new NightpullError(
      "size_mismatch",
      `size mismatch for ${ctx.name}: ${onDisk} bytes on disk, ${checked.size} downloaded and ` +
        `verified (another writer changed the partial file); it was deleted, run again`,
      { expected: checked.size, actual: onDisk },
    );
  }
  return await publish(ctx, paths, checked, { resumedFrom, sidecar: true });
}

/**
 * The outcome with every hash filled in, once its size and hashes match what was expected;
 * throws `size_mismatch` / `checksum_mismatch` (the part deleted) otherwise.
 */
export async function verified(
  ctx: TransferContext,
  outcome: TransferOutcome,
): Promise<TransferOutcome> {
  const { expected, name } = ctx;
  const digests = { ...outcome.digests };
  if (expected.size !== undefined && outcome.size !== expected.size) {
    await discardPart(ctx.partPath);
    throw new NightpullError(
      "size_mismatch",
      `size mismatch for ${name}: expected ${expected.size} bytes, got ${outcome.size}; the partial file was deleted`,
      { expected: expected.size, actual: outcome.size },
    );
  }
  if (ctx.wantGitSha1 && digests.gitSha1 === undefined) {
    // The size was unknown when hashing began, so the git header could not be written first.
    const size = outcome.size;
    digests.gitSha1 = (await hashPrefix(ctx.partPath, size, size, ctx.signal)).digest().gitSha1;
  }
  for (const kind of ["sha256", "gitSha1"] as const) {
    const want = expected[kind]?.toLowerCase();
    if (want === undefined || want === digests[kind]) continue;
    await discardPart(ctx.partPath);
    const label = kind === "sha256" ? "sha256" : "git-sha1";
    throw new NightpullError(
      "checksum_mismatch",
      `checksum mismatch for ${name}: expected ${label} ${want}, got ${
        digests[kind]
      }; the partial file was deleted`,
      { expected: want, actual: digests[kind], algorithm: label },
    );
  }
  return { ...outcome, digests };
}

/**
 * Renames a verified, fdatasynced part into place (its folders checked for links right
 * before) and describes the result. `sidecar: false`: no sidecar was ever written for it.
 */
export async function publish(
  ctx: TransferContext,
  { finalPath, guardPath }: FinishPaths,
  outcome: TransferOutcome,
  how: { resumedFrom: number; sidecar: boolean },
): Promise<FetchFileResult> {
  const digests = outcome.digests;
  // right before the rename: a folder swapped for a link during the transfer is caught here
  await guardPath?.(ctx.partPath, { leaf: true });
  // the part's check covered the folders of a final path beside it
  if (dirname(finalPath) !== dirname(ctx.partPath)) await guardPath?.(finalPath);
  await commitPart(ctx.partPath, finalPath, { sidecar: how.sidecar });
  return {
    size: outcome.size,
    sha256: digests.sha256,
    ...(digests.gitSha1 !== undefined ? { gitSha1: digests.gitSha1 } : {}),
    bytesTransferred: ctx.bytesTransferred,
    resumedFrom: how.resumedFrom,
    etag: ctx.remote.linkedEtag ?? outcome.serverEtag,
    restarted: ctx.restarted,
  };
}
