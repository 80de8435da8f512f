/**
 * The in-order hasher of a multi-connection part: it follows the contiguous written prefix,
 * reading it back (from the page cache, just written), so the SHA-256 is ready soon after
 * the last byte lands.
 *
 * @example
 * ```ts
 * const digests = await hashInOrder(ctx, total, ledger, stop); // undefined when stopped
 * ```
 * @module
 */
import { FileDigest, type FileDigests } from "../verify/checksum.ts";
import { PositionedFile } from "../part/part_file.ts";
import type { RangeLedger } from "./range_ledger.ts";
import type { TransferContext } from "./transfer.ts";

/** Read-back size of the in-order hasher. */
const HASH_READ_SIZE = 1024 * 1024;

/**
 * Hashes the part from byte 0 as its prefix gets written, until `total` bytes. Undefined when
 * `stop` aborts first (wake the ledger's waiters after aborting it).
 */
export async function hashInOrder(
  ctx: TransferContext,
  total: number,
  ledger: RangeLedger,
  stop: AbortSignal,
): Promise<FileDigests | undefined> {
  const digest = new FileDigest({ gitBlobSize: ctx.wantGitSha1 ? total : undefined });
  const file = new PositionedFile(await Deno.open(ctx.partPath, { read: true }));
  const buffer = new Uint8Array(Math.min(HASH_READ_SIZE, Math.max(1, total)));
  try {
    while (digest.bytes < total) {
      if (stop.aborted) return undefined;
      const end = ledger.contiguousEnd();
      if (end <= digest.bytes) {
        await ledger.changed();
        continue;
      }
      const view = buffer.subarray(0, Math.min(buffer.length, end - digest.bytes));
      await file.readAt(digest.bytes, view);
      digest.update(view);
    }
    return digest.digest();
  } finally {
    file.close();
  }
}
