/**
 * The short way for a small file of known size with no part on disk: one GET, the whole body
 * read into memory and hashed there, checked against the expected size and hashes before a
 * byte is written, then written to a new part, fdatasynced and handed back for the rename into
 * place. No resume sidecar is written and no part is looked for first: a file this small is
 * fetched again rather than resumed, and the part is created with `createNew`, so a part left
 * by an earlier run (or another writer) sends the file down the resumable path instead.
 *
 * @example
 * ```ts
 * const outcome = await fetchSmall(ctx); // undefined: take the resumable path
 * ```
 * @module
 */
import { dirname } from "node:path";
import { BodyReader, fillCatching } from "./body_reader.ts";
import { checkAnnouncedSize, contentLength } from "./response_facts.ts";
import { FileDigest } from "../verify/checksum.ts";
import { isStrongEtag, normalizeEtag } from "../net/remote_file.ts";
import { NightpullError, osWriteError } from "../../errors.ts";
import {
  bodyGoesOn,
  networkFailure,
  pacer,
  type TransferContext,
  type TransferOutcome,
  TransientFailure,
  triageStatus,
  withRetries,
} from "./transfer.ts";

/** Files of at most this many bytes are fetched whole into memory (see the module doc). */
export const SMALL_FILE_BYTES = 1024 * 1024;

/** The body of a small file, in hand and hashed. */
interface SmallBody {
  bytes: Uint8Array;
  outcome: TransferOutcome;
}

/**
 * Fetches a small file (`ctx.expected.size` known, at most {@link SMALL_FILE_BYTES}) into a new
 * part at `ctx.partPath`, written and fdatasynced once the body verified against the expected
 * hashes. Undefined when a part already exists or the server's answer is not a plain 200: the
 * caller takes the resumable path (nothing was written; the empty part is removed).
 * `verify` checks the outcome before anything is written (and throws when it does not match).
 */
export async function fetchSmall(
  ctx: TransferContext,
  verify: (outcome: TransferOutcome) => Promise<TransferOutcome>,
): Promise<TransferOutcome | undefined> {
  const size = ctx.expected.size!;
  const file = createPart(ctx.partPath);
  if (!file) return undefined;
  try {
    const body = await withRetries(ctx, () => 0, () => attempt(ctx, size));
    if (body === undefined) {
      await Deno.remove(ctx.partPath).catch(() => {});
      return undefined;
    }
    const outcome = await verify(body.outcome);
    try {
      for (let at = 0; at < body.bytes.length;) at += file.writeSync(body.bytes.subarray(at));
      await file.syncData();
    } catch (err) {
      throw osWriteError(err, ctx.partPath) ?? err;
    }
    return outcome;
  } finally {
    file.close();
  }
}

/** A new, empty part (its folder made when missing); undefined when one exists already. */
function createPart(path: string): Deno.FsFile | undefined {
  for (let round = 0;; round++) {
    try {
      return Deno.openSync(path, { write: true, createNew: true });
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return undefined;
      if (!(err instanceof Deno.errors.NotFound) || round > 0) {
        throw osWriteError(err, path) ?? err;
      }
      Deno.mkdirSync(dirname(path), { recursive: true });
    }
  }
}

/** One GET of the whole file; undefined when the answer is not a plain 200. */
async function attempt(ctx: TransferContext, size: number): Promise<SmallBody | undefined> {
  const watch = ctx.watchdog.watch(ctx.signal);
  try {
    let got;
    try {
      got = await ctx.remote.get(undefined, watch.signal);
    } catch (err) {
      throw networkFailure(ctx, err, watch);
    }
    const res = got.response;
    await triageStatus(ctx, res, got.url);
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    checkAnnouncedSize(ctx, contentLength(res), res);
    const etag = res.headers.get("etag");
    const serverEtag = isStrongEtag(etag) ? normalizeEtag(etag) : undefined;
    const bytes = await readBody(ctx, res, size, watch);
    const digest = new FileDigest({ gitBlobSize: ctx.wantGitSha1 ? size : undefined });
    digest.update(bytes);
    return { bytes, outcome: { size, digests: digest.digest(), serverEtag } };
  } finally {
    watch.end();
  }
}

/** Reads exactly `size` bytes of the body; a shorter body is a transient failure. */
async function readBody(
  ctx: TransferContext,
  res: Response,
  size: number,
  watch: ReturnType<TransferContext["watchdog"]["watch"]>,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  if (!res.body) {
    if (size === 0) return bytes;
    throw new TransientFailure("network_error", "response without a body");
  }
  let seen = 0;
  const reader = new BodyReader(res.body, {
    onChunk: (chunk) => {
      watch.touch(ctx.watchdog.now());
      ctx.bytesTransferred += chunk.length;
      seen += chunk.length;
      ctx.progress(seen, size);
    },
    pace: pacer(ctx, watch, ctx.signal),
    // socket reads land here before the copy into `bytes` (the default is 256 KiB)
    scratch: new ArrayBuffer(Math.max(1, Math.min(size, 64 * 1024))),
  });
  const stop = () => watch.stopping;
  let finished = false;
  try {
    const got = await fillCatching(reader, bytes, stop);
    if (got.stopped) {
      throw new NightpullError(
        "interrupted",
        `download of ${ctx.name} interrupted; nothing of it was written (a file this small is fetched again)`,
        { path: ctx.partPath, bytes: 0 },
      );
    }
    if (got.failure !== undefined) throw networkFailure(ctx, got.failure, watch);
    if (got.filled < size) {
      finished = got.done;
      throw new TransientFailure(
        "network_error",
        `connection closed after ${got.filled} of ${size} bytes of ${ctx.name}`,
      );
    }
    if (await bodyGoesOn(reader, stop)) {
      throw new NightpullError(
        "size_mismatch",
        `size mismatch for ${ctx.name}: the server sent more than the ${size} bytes expected; ` +
          "stopped at the first extra byte, nothing was written",
        { expected: size, path: ctx.partPath },
      );
    }
    finished = true;
    return bytes;
  } finally {
    if (!finished) await reader.cancel();
  }
}
