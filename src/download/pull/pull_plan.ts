/**
 * Pure planning of a hub pull: which listed files to fetch (include/exclude, path safety),
 * where each lands for the chosen layout, which files share one blob (fetched once), and how
 * many connections a file may use without oversubscribing the run.
 *
 * @example
 * ```ts
 * const files = selectFiles(listing, ["*.json"], []);
 * const jobs = planJobs(files, { layout: "hf-cache", repo, commit });
 * ```
 * @module
 */
import { dirname, resolve, sep } from "node:path";
import { NightpullError } from "../../errors.ts";
import { DEFAULT_MIN_SPLIT_SIZE } from "../transfer/fetcher.ts";
import { filterPaths } from "../source/glob.ts";
import { hfCacheLockPath, localDirLockPath } from "../part/file_lock.ts";
import {
  blobPath,
  type HfCacheRepo,
  incompleteBlobPath,
  snapshotFilePath,
} from "../layout/hf_cache.ts";
import { blobEtag, type HubFile } from "../hub/hub_client.ts";
import { hfCachePartPath, localDirPartPath } from "../part/part_paths.ts";
import { connectionCount } from "../transfer/range_plan.ts";
import { resolveInside, safeRelativePath } from "../layout/safe_path.ts";

/** Where a pull writes. */
export type PullTarget =
  | { layout: "hf-cache"; repo: HfCacheRepo; commit: string }
  | { layout: "local-dir"; dir: string };

/** One repo file of a job: its repo path and the path a user opens. */
interface JobFile {
  path: string;
  localPath: string;
}

/** One content to fetch and verify, then expose under one or more repo paths. */
export interface BlobJob {
  /** Hub etag: LFS sha256 or git blob sha1. */
  etag: string;
  size: number;
  /** Expected SHA-256 (LFS files). */
  sha256?: string;
  /** Expected git blob SHA-1 (non-LFS files). */
  gitSha1?: string;
  /** Where the verified bytes live (the blob, or the local-dir file). */
  dataPath: string;
  /** The part file the fetcher resumes (see part_paths.ts). */
  partPath: string;
  /** The lock held while the job writes (huggingface_hub's own lock path). */
  lockPath: string;
  /** Where earlier versions kept the part (`blobs/<blob>.incomplete`, `<path>.part`). */
  legacyPartPath: string;
  files: JobFile[];
}

/**
 * Applies include/exclude, then checks every selected path. Any unsafe path refuses the whole
 * pull before anything is written, naming each offending path.
 */
export function selectFiles(
  files: HubFile[],
  include?: string[],
  exclude?: string[],
  paths?: string[],
): HubFile[] {
  const selected = filterPaths(paths?.length ? onlyPaths(files, paths) : files, include, exclude);
  const refused: { path: string; why: string }[] = [];
  for (const file of selected) {
    try {
      safeRelativePath(file.path);
    } catch (err) {
      refused.push({ path: file.path, why: (err as Error).message });
    }
  }
  if (refused.length > 0) {
    const names = refused.map((r) => JSON.stringify(r.path)).join(", ");
    throw new NightpullError(
      "unsafe_path",
      `refusing the listing: ${refused.length} unsafe path(s) ${names} would be written ` +
        `outside the target folder; nothing was downloaded (${refused[0].why})`,
      { paths: refused.map((r) => r.path) },
    );
  }
  checkFileFolderClash(selected);
  return selected;
}

/**
 * A listing that holds both a file `a` and a path below `a/` cannot be laid out on a disk:
 * refuse it before anything is written, naming both.
 */
function checkFileFolderClash(files: HubFile[]): void {
  const paths = new Set(files.map((f) => f.path));
  for (const file of files) {
    for (let cut = file.path.indexOf("/"); cut > 0; cut = file.path.indexOf("/", cut + 1)) {
      const folder = file.path.slice(0, cut);
      if (!paths.has(folder)) continue;
      throw new NightpullError(
        "path_conflict",
        `the listing holds both the file "${folder}" and "${file.path}" below a folder of that ` +
          `name; a disk cannot hold both, nothing was downloaded (leave one out with ` +
          `--exclude "${folder}" or --exclude "${folder}/*")`,
        { paths: [folder, file.path] },
      );
    }
  }
}

/**
 * The files named by `paths` (`hf download REPO a.json sub/`): a file exactly, or every file
 * under a folder. A name that matches nothing refuses the pull with `entry_not_found`, naming
 * each such name, before anything is transferred.
 */
function onlyPaths(files: HubFile[], paths: string[]): HubFile[] {
  const wanted = paths.map((p) => p.replace(/^\.?\/+/, "").replace(/\/+$/, ""));
  const hit = new Set<string>();
  const chosen = files.filter((file) => {
    const match = wanted.find((w) => file.path === w || file.path.startsWith(`${w}/`));
    if (match !== undefined) hit.add(match);
    return match !== undefined;
  });
  const missing = wanted.filter((w) => !hit.has(w));
  if (missing.length > 0) {
    throw new NightpullError(
      "entry_not_found",
      `not in the repo at this revision: ${missing.map((m) => JSON.stringify(m)).join(", ")}; ` +
        "give paths as the repo lists them (a file, or a folder for everything under it)",
      { paths: missing },
    );
  }
  return chosen;
}

/**
 * Groups files into fetch jobs. In the hf cache, files with the same etag share one blob and
 * are fetched once (under one lock); in a local dir every
 * file is its own copy.
 */
export function planJobs(files: HubFile[], target: PullTarget): BlobJob[] {
  const jobs = new Map<string, BlobJob>();
  let snapshot: SnapshotDir | undefined;
  for (const file of files) {
    const etag = blobEtag(file);
    const expected = file.lfs ? { sha256: lower(file.lfs.oid) } : { gitSha1: lower(file.oid) };
    const size = file.lfs?.size ?? file.size;
    if (target.layout === "hf-cache") {
      const snapshotFile = new SnapshotFile(file.path, snapshot ??= new SnapshotDir(target));
      const existing = jobs.get(etag);
      if (existing) {
        existing.files.push(snapshotFile);
        continue;
      }
      jobs.set(etag, new HfCacheBlobJob(target.repo, etag, size, expected, snapshotFile));
    } else {
      const localPath = resolveInside(target.dir, file.path);
      jobs.set(localPath, {
        etag,
        size,
        ...expected,
        dataPath: localPath,
        partPath: localDirPartPath(resolve(target.dir), file.path),
        lockPath: localDirLockPath(resolve(target.dir), file.path),
        legacyPartPath: `${localPath}.part`,
        files: [{ path: file.path, localPath }],
      });
    }
  }
  // Largest first: long transfers start early, small files fill the gaps around them.
  return [...jobs.values()].sort((a, b) => b.size - a.size);
}

/**
 * Connections one file will really use (what the fetcher splits it into): several only when
 * each gets at least `minSplitSize` bytes, so the pool is not held by connections never opened.
 */
export function connectionsFor(
  size: number,
  perFile: number,
  minSplitSize = DEFAULT_MIN_SPLIT_SIZE,
): number {
  return connectionCount(size, perFile, minSplitSize);
}

/**
 * A pool of connections shared by every file of a run: a file takes what it asks for if
 * free, else what is left (at least one), so the run never exceeds the pool.
 */
export class ConnectionBudget {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.#free = Math.max(1, size);
  }

  /** Connections currently free. */
  get free(): number {
    return this.#free;
  }

  /** Waits until at least one connection is free, then takes up to `want`. */
  async acquire(want: number): Promise<number> {
    while (this.#free < 1) await new Promise<void>((r) => this.#waiting.push(r));
    const got = Math.max(1, Math.min(want, this.#free));
    this.#free -= got;
    return got;
  }

  /** Gives connections back and wakes waiters. */
  release(n: number): void {
    this.#free += n;
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

/** `text` in lower case; the same string (not a copy of it) when it already is. */
function lower(text: string): string {
  const low = text.toLowerCase();
  return low === text ? text : low;
}

/** `snapshots/<commit>/` of one pull, for {@linkcode SnapshotFile}. */
class SnapshotDir {
  readonly prefix: string;
  constructor(readonly target: Extract<PullTarget, { layout: "hf-cache" }>) {
    this.prefix = snapshotFilePath(target.repo, target.commit, "x").slice(0, -1);
  }
}

/**
 * A file of an hf-cache job. Its local path is the snapshot folder plus its repo path for any
 * plain path, so it is worked out when asked for rather than kept: 100,000 files do not hold
 * 100,000 long path strings. A path `join` would normalize keeps its own.
 */
class SnapshotFile implements JobFile {
  readonly #dir: SnapshotDir;
  readonly #local: string | undefined;

  constructor(readonly path: string, dir: SnapshotDir) {
    this.#dir = dir;
    const local = snapshotFilePath(dir.target.repo, dir.target.commit, path);
    const plain = local.length === dir.prefix.length + path.length &&
      local.startsWith(dir.prefix) && local.endsWith(path);
    this.#local = plain ? undefined : local;
  }

  get localPath(): string {
    return this.#local ?? this.#dir.prefix + this.path;
  }
}

/** Each repo's lock folder, worked out once (a lock path is `<folder>/<etag>.lock`). */
const lockDirs = new WeakMap<HfCacheRepo, string>();

/**
 * A job of the hf cache. Its paths follow from the repo and the etag, so they are worked out
 * when asked for rather than kept: 100,000 jobs do not hold 400,000 long path strings.
 */
class HfCacheBlobJob implements BlobJob {
  readonly sha256?: string;
  readonly gitSha1?: string;
  readonly files: JobFile[];
  readonly #repo: HfCacheRepo;

  constructor(
    repo: HfCacheRepo,
    readonly etag: string,
    readonly size: number,
    expected: { sha256?: string; gitSha1?: string },
    first: JobFile,
  ) {
    this.#repo = repo;
    if (expected.sha256 !== undefined) this.sha256 = expected.sha256;
    if (expected.gitSha1 !== undefined) this.gitSha1 = expected.gitSha1;
    this.files = [first];
    blobPath(repo, etag); // refuses an etag that cannot be a file name, now rather than later
  }

  get dataPath(): string {
    return blobPath(this.#repo, this.etag);
  }

  get partPath(): string {
    return hfCachePartPath(this.#repo, this.etag);
  }

  get lockPath(): string {
    let dir = lockDirs.get(this.#repo);
    if (dir === undefined) {
      lockDirs.set(this.#repo, dir = dirname(hfCacheLockPath(this.#repo, "x")));
    }
    return `${dir}${sep}${this.etag}.lock`;
  }

  get legacyPartPath(): string {
    return incompleteBlobPath(this.#repo, this.etag);
  }
}
