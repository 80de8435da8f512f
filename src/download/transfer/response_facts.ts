/**
 * What a file response says about the file: its identity-encoded length, whether ranges are
 * served, and whether the announced size is the expected one.
 *
 * @example
 * ```ts
 * if (acceptsRanges(res)) total = contentLength(res);
 * ```
 * @module
 */
import { SizeAnnounced, type TransferContext } from "./transfer.ts";

/** Content-Length of an identity-encoded body, when given. */
export function contentLength(res: Response): number | undefined {
  const encoding = res.headers.get("content-encoding");
  if (encoding && encoding !== "identity") return undefined;
  const text = res.headers.get("content-length");
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** True when the server said it serves byte ranges. */
export function acceptsRanges(res: Response): boolean {
  return res.status === 206 || /\bbytes\b/i.test(res.headers.get("accept-ranges") ?? "");
}

/** A server announcing another size than expected is serving another file: stop early. */
export function checkAnnouncedSize(ctx: TransferContext, total: number | undefined, res: Response) {
  const want = ctx.expected.size;
  if (want === undefined || total === undefined || total === want) return;
  void res.body?.cancel();
  throw new SizeAnnounced(total, want);
}
