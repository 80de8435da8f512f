/**
 * Counts one file transfer in the process metrics: body bytes as they arrive (from the
 * fetcher's progress, which reports bytes present including a resumed prefix), the active
 * transfers gauge, and checksum failures. At the end the byte count is corrected to the
 * fetcher's exact `bytesTransferred`, so a transfer that restarted from zero is not undercounted.
 *
 * @example
 * ```ts
 * const meter = new TransferMeter(await resumableBytes(partPath));
 * try {
 *   const result = await fetchFile({ ..., onProgress: (b) => meter.progress(b) });
 *   meter.finished(result.bytesTransferred);
 * } catch (err) {
 *   meter.failed(err);
 *   throw err;
 * }
 * ```
 * @module
 */
import { toNightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";

/** One file transfer's contribution to the metrics; see the module doc. */
export class TransferMeter {
  #last: number;
  #counted = 0;
  #open = true;

  /** Starts counting a transfer whose part file already holds `startBytes`. */
  constructor(startBytes: number) {
    this.#last = startBytes;
    metrics.activeTransfers.inc(1);
  }

  /** Bytes present now (as the fetcher reports them); growth counts as received. */
  progress(bytes: number): void {
    if (bytes > this.#last) {
      const delta = bytes - this.#last;
      this.#counted += delta;
      metrics.downloadBytes.inc(undefined, delta);
    }
    // a restart from zero lowers the mark: what follows counts again
    this.#last = bytes;
  }

  /** The transfer succeeded after receiving `bytesTransferred` body bytes. */
  finished(bytesTransferred: number): void {
    if (!this.#close()) return;
    if (bytesTransferred > this.#counted) {
      metrics.downloadBytes.inc(undefined, bytesTransferred - this.#counted);
    }
    metrics.filesDownloaded.inc();
  }

  /** The transfer failed with `err`. */
  failed(err: unknown): void {
    if (!this.#close()) return;
    if (toNightpullError(err).code === "checksum_mismatch") metrics.checksumFailures.inc();
  }

  #close(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    metrics.activeTransfers.inc(-1);
    return true;
  }
}
