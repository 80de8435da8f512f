/**
 * File-system steps of a download: full writes at an offset, the part's size, discarding a
 * part, and the durable finish (fsync, atomic rename, directory fsync) that guarantees a file
 * under its final name is always complete.
 *
 * @example
 * ```ts
 * await new PositionedFile(file).writeAt(4096, bytes);
 * await commitPart(partPath, finalPath); // rename + fsync of the directory
 * ```
 * @module
 */
import { dirname } from "node:path";
import { syncDirectory } from "./dir_sync.ts";
import { removePartState } from "./part_state.ts";

/** Writes all of `bytes` at the file's current position. */
export async function writeFully(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

/**
 * A handle that remembers its position, so runs of sequential positioned writes and reads
 * cost one operation each instead of a seek plus the operation.
 */
export class PositionedFile {
  readonly file: Deno.FsFile;
  #position = -1;

  /** Takes over `file`; its position is unknown until the first positioned call. */
  constructor(file: Deno.FsFile) {
    this.file = file;
  }

  /** Writes all of `bytes` at `offset`. */
  async writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    await this.#moveTo(offset);
    this.#position = -1; // unknown until the write completes
    await writeFully(this.file, bytes);
    this.#position = offset + bytes.length;
  }

  /** Reads exactly `into.length` bytes at `offset`; throws UnexpectedEof at the end. */
  async readAt(offset: number, into: Uint8Array): Promise<void> {
    await this.#moveTo(offset);
    this.#position = -1;
    await readFully(this.file, into, offset);
    this.#position = offset + into.length;
  }

  /** Closes the handle. */
  close(): void {
    this.file.close();
  }

  async #moveTo(offset: number): Promise<void> {
    if (this.#position === offset) return;
    this.#position = -1;
    await this.file.seek(offset, Deno.SeekMode.Start);
    this.#position = offset;
  }
}

/** Reads exactly `into.length` bytes at the current position (`at` names it in errors). */
export async function readFully(file: Deno.FsFile, into: Uint8Array, at: number): Promise<void> {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) {
      throw new Deno.errors.UnexpectedEof(
        `file ended at ${at + filled} while reading up to ${at + into.length}`,
      );
    }
    filled += n;
  }
}

/** Size of the file at `path`, or undefined when it does not exist. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Removes `path`; an absent file is fine. */
async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Renames a freshly written `temp` over `path` (atomic replace); when the rename fails, the
 * temporary file is removed (best effort) and the rename's error is thrown.
 */
export async function renameOrDiscard(temp: string, path: string): Promise<void> {
  try {
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
}

/** Deletes a part and its sidecar. */
export async function discardPart(partPath: string): Promise<void> {
  await removeIfPresent(partPath);
  await removePartState(partPath);
}

/**
 * Moves a verified, fsynced part to its final name atomically, makes the rename durable, and
 * removes the sidecar last (a crash in between leaves only a stale sidecar, which is ignored).
 * The final folder is made only when the rename says it is missing. `sidecar: false`: the part
 * never had one (a small file fetched whole), so none is looked for.
 */
export async function commitPart(
  partPath: string,
  finalPath: string,
  options: { sidecar?: boolean } = {},
): Promise<void> {
  const dir = dirname(finalPath);
  // synchronous: a rename is a metadata step, cheaper than an async op's thread-pool hop
  try {
    Deno.renameSync(partPath, finalPath);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    Deno.mkdirSync(dir, { recursive: true });
    Deno.renameSync(partPath, finalPath);
  }
  await syncDirectory(dir);
  if (options.sidecar !== false) await removePartState(partPath);
}
