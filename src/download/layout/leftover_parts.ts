/**
 * Parts left by earlier nightpull versions (`blobs/<blob>.incomplete`, `<path>.part`, each with
 * a `.json` sidecar) are moved to today's names once, so their bytes still count, or removed
 * when a part already exists there. A local-dir `w.bin.part` is touched only when its sidecar
 * proves it ours (it parses and describes the expected file) and the caller has checked that
 * the repo itself holds no file of that name: a user's `w.bin.part` is never deleted.
 *
 * Call it with the file's lock held: nobody else may be writing either name.
 *
 * @example
 * ```ts
 * await adoptLeftoverPart(job, "local-dir", listedPaths); // lock held, before fetching
 * await removeLeftoverParts(job, "local-dir", listedPaths); // the file is present already
 * ```
 * @module
 */
import { basename, dirname } from "node:path";
import { tryFileLock } from "../part/file_lock.ts";
import { discardPart } from "../part/part_file.ts";
import {
  type PartIdentity,
  partStatePath,
  readPartState,
  removePartState,
  sameIdentity,
} from "../part/part_state.ts";
import type { BlobJob, PullTarget } from "../pull/pull_plan.ts";

/**
 * Before fetching a job (its lock held): moves its old-layout part to today's name. In a local
 * dir, a `<path>.part` (or `.part.json`) that the repo itself lists is the user's, never ours.
 */
export async function adoptLeftoverPart(
  job: BlobJob,
  layout: PullTarget["layout"],
  listed: ReadonlySet<string>,
): Promise<void> {
  const path = job.files[0].path;
  if (layout === "local-dir" && (listed.has(`${path}.part`) || listed.has(`${path}.part.json`))) {
    return;
  }
  const expected = { size: job.size, sha256: job.sha256, gitSha1: job.gitSha1 };
  await adoptLegacyPart(job.legacyPartPath, job.partPath, expected, {
    proven: layout === "local-dir",
  });
}

/**
 * For a job already present: removes parts and sidecars left behind (old or new names), when
 * there are any and nobody holds the file's lock (a holder may be repairing it right now).
 */
export async function removeLeftoverParts(
  job: BlobJob,
  layout: PullTarget["layout"],
  listed: ReadonlySet<string>,
  partsIn?: PartsIn,
): Promise<void> {
  if (layout === "hf-cache" && partsIn && !partsIn.mayHoldPartsOf(job.etag)) return;
  const names = [job.partPath, job.legacyPartPath].flatMap((p) => [p, partStatePath(p)]);
  if (partsIn && !names.some((name) => partsIn.mayHold(name))) return;
  const found = await Promise.all(names.map((p) => regularFileSize(p)));
  if (found.every((size) => size === undefined)) return;
  const lock = await tryFileLock(job.lockPath);
  if (!lock) return;
  try {
    await clearLeftoverParts(job, layout, listed);
  } finally {
    await lock.release();
  }
}

/**
 * The part-like files (parts, old `.incomplete` parts, their sidecars) of one folder, listed
 * once: a re-pull of 100,000 present blobs asks this set instead of four `lstat`s per blob.
 * A name outside the folder, or a folder that could not be read, "may hold" a part.
 */
export class PartsIn {
  readonly #folder: string;
  readonly #names: Set<string> | undefined;
  /** The names before their first dot: the blobs that have parts. */
  readonly #stems = new Set<string>();

  private constructor(folder: string, names: Set<string> | undefined) {
    this.#folder = folder;
    this.#names = names;
    for (const name of names ?? []) this.#stems.add(name.slice(0, name.indexOf(".")));
  }

  /** Lists `folder` (the hf cache's `blobs/`). */
  static async list(folder: string): Promise<PartsIn> {
    const names = new Set<string>();
    try {
      for await (const entry of Deno.readDir(folder)) {
        if (/\.(?:part\.nightpull|incomplete)(?:\.json(?:\.tmp)?)?$/.test(entry.name)) {
          names.add(entry.name);
        }
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return new PartsIn(folder, names);
      return new PartsIn(folder, undefined);
    }
    return new PartsIn(folder, names);
  }

  /** False only when the listing showed no part of blob `name` (in the hf cache, its etag). */
  mayHoldPartsOf(name: string): boolean {
    return this.#names === undefined || this.#stems.has(name);
  }

  /** False only when `path` is in the folder and was not there when it was listed. */
  mayHold(path: string): boolean {
    const name = path.slice(this.#folder.length + 1);
    if (this.#names === undefined || !path.startsWith(this.#folder + "/") || name.includes("/")) {
      return dirname(path) !== this.#folder || this.#names?.has(basename(path)) !== false;
    }
    return this.#names.has(name);
  }
}

/**
 * For a job found present with its lock held: removes its parts and sidecars (a writer killed
 * between its rename and its sidecar's removal leaves a sidecar behind).
 */
export async function clearLeftoverParts(
  job: BlobJob,
  layout: PullTarget["layout"],
  listed: ReadonlySet<string>,
): Promise<void> {
  await adoptLeftoverPart(job, layout, listed);
  await discardPart(job.partPath);
}

/** How to treat an old part. */
interface LegacyPartOptions {
  /** Touch nothing unless the old sidecar exists and describes `expected` (local-dir, URL). */
  proven: boolean;
}

/** What happened to the old part. */
type LegacyOutcome = "adopted" | "removed" | "none";

/** Moves (or removes) an old-layout part and its sidecar; see the module doc. */
export async function adoptLegacyPart(
  legacyPath: string,
  partPath: string,
  expected: PartIdentity,
  options: LegacyPartOptions,
): Promise<LegacyOutcome> {
  const state = await readPartState(legacyPath).catch(() => undefined);
  const describesIt = state !== undefined && sameIdentity(state.identity, expected);
  if (options.proven && !describesIt) return "none";
  const legacy = await regularFileSize(legacyPath);
  const sidecarLeft = state !== undefined || await regularFileSize(partStatePath(legacyPath)) !==
      undefined;
  if (legacy === undefined) {
    if (!sidecarLeft) return "none";
    await removePartState(legacyPath);
    return "removed";
  }
  if ((state !== undefined && !describesIt) || await regularFileSize(partPath) !== undefined) {
    await discardPart(legacyPath);
    return "removed";
  }
  await removePartState(partPath); // a stale sidecar must not describe the adopted bytes
  await Deno.rename(legacyPath, partPath);
  if (state !== undefined) await Deno.rename(partStatePath(legacyPath), partStatePath(partPath));
  else await removePartState(legacyPath);
  return "adopted";
}

async function regularFileSize(path: string): Promise<number | undefined> {
  try {
    const info = await Deno.lstat(path);
    return info.isFile ? info.size : undefined;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
}
