/**
 * One writer per file, across processes and tools: an exclusive `flock` on huggingface_hub's own
 * lock paths, so a second `pull`, a `serve` run and Python's huggingface_hub (whose `filelock`
 * uses `flock` too) never write the same file at once.
 *
 * Waiting is abortable: Deno's blocking `FsFile.lock` parks a thread until the lock is free and
 * cannot be cancelled, so we poll the non-blocking `tryLock` with a short backoff (Python's
 * `filelock` polls every 50 ms the same way). Locks are per open file, so two runs inside one
 * process exclude each other exactly like two processes do. Lock files are never deleted:
 * unlinking a lock file splits later waiters across inodes (filelock keeps them too).
 *
 * @example
 * ```ts
 * const lockPath = hfCacheLockPath(repo, etag);
 * await using _lock = await acquireFileLock(lockPath, {
 *   signal,
 *   onWait: () => log.info("file.lock_wait", { message: lockWaitMessage("model.bin") }),
 * });
 * // re-check: the file may have been completed by whoever held the lock
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { HfCacheRepo } from "../layout/hf_cache.ts";
import { MAX_NAME_BYTES } from "../layout/safe_path.ts";
import { sleep } from "../../time/sleep.ts";

/** `<local dir>/.cache/huggingface/download`: huggingface_hub's per-file bookkeeping folder. */
export function localDirStateDir(localDir: string): string {
  return join(localDir, ".cache", "huggingface", "download");
}

/** `<downloads dir>/.cache/nightpull`: locks and partial files of URL targets. */
export function urlTargetStateDir(dir: string): string {
  return join(dir, ".cache", "nightpull");
}

/** `<cache>/.locks/<repo folder>/<blob>.lock`, exactly huggingface_hub's blob lock. */
export function hfCacheLockPath(repo: HfCacheRepo, blob: string): string {
  return join(dirname(repo.dir), ".locks", basename(repo.dir), `${blob}.lock`);
}

/**
 * `<local dir>/.cache/huggingface/download/<path>.lock`, exactly huggingface_hub's; `relPath`
 * must be sanitized. A name too long to take the suffix (huggingface_hub fails on it) gets a
 * short hashed lock name in the same folder instead.
 */
export function localDirLockPath(localDir: string, relPath: string): string {
  return join(localDirStateDir(localDir), ...lockName(relPath).split("/"));
}

/** The lock of a URL target `<dir>/<fileName>`: `<dir>/.cache/nightpull/<fileName>.lock`. */
export function urlTargetLockPath(dir: string, fileName: string): string {
  return join(urlTargetStateDir(dir), lockName(fileName));
}

const encoder = new TextEncoder();

function lockName(relPath: string): string {
  const slash = relPath.lastIndexOf("/");
  const name = relPath.slice(slash + 1);
  const wanted = `${name}.lock`;
  const fits = encoder.encode(wanted).length <= MAX_NAME_BYTES;
  return relPath.slice(0, slash + 1) + (fits ? wanted : `${shortHash(name)}.long.lock`);
}

/** A short, file-name-safe digest of a name (base64url of SHA-1, 27 characters). */
export function shortHash(text: string): string {
  return createHash("sha1").update(text).digest("base64url");
}

/** The line shown while another writer holds a file's lock. */
export function lockWaitMessage(name: string): string {
  return `waiting for ${name}: another process is downloading it`;
}

/** Options of {@linkcode acquireFileLock}. */
export interface FileLockOptions {
  /** Stops waiting (Ctrl+C, shutdown, the run's abort): rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called once, when the lock turns out to be held by someone else and waiting begins. */
  onWait?: () => void;
}

/** An exclusive lock held on one lock file until released (or the process ends). */
export interface FileLock extends AsyncDisposable {
  /** The lock file. */
  readonly path: string;
  /** True when another holder had to be waited for: re-check what it may have finished. */
  readonly waited: boolean;
  /** Releases the lock; safe to call more than once. */
  release(): Promise<void>;
}

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/**
 * Takes the exclusive lock at `lockPath` (creating it and its folders), waiting while another
 * process or run holds it. Rejects with the signal's reason when aborted while waiting.
 */
export async function acquireFileLock(
  lockPath: string,
  options: FileLockOptions = {},
): Promise<FileLock> {
  const { signal } = options;
  let waited = false;
  let pause = FIRST_POLL_MS;
  for (;;) {
    signal?.throwIfAborted();
    const file = _tryLockFile(lockPath);
    if (file) return heldLock(lockPath, file, waited);
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    await sleep(pause, signal);
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
}

/** One attempt without waiting: the held lock, or undefined when someone else holds it. */
export function tryFileLock(lockPath: string): Promise<FileLock | undefined> {
  try {
    const file = _tryLockFile(lockPath);
    return Promise.resolve(file ? heldLock(lockPath, file, false) : undefined);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** One non-blocking attempt: the open, locked file, or undefined when someone else holds it. */
function _tryLockFile(lockPath: string): Deno.FsFile | undefined {
  const file = openLockFile(lockPath);
  let keep = false;
  try {
    if (!file.tryLockSync(true)) return undefined;
    // A lock on an inode that is no longer (or never was) the one at the path excludes nobody:
    // another tool may have replaced or removed the file between our open and our lock.
    // (Synchronous stats: metadata lookups cost less than an async op's thread-pool hop.)
    const held = file.statSync();
    let current: Deno.FileInfo | undefined;
    try {
      // lstat: no link to follow (the permission walk of a stat) unless the path is one
      current = Deno.lstatSync(lockPath);
      if (current.isSymlink) current = Deno.statSync(lockPath);
    } catch {
      current = undefined;
    }
    keep = held.nlink !== 0 && current?.ino === held.ino && current?.dev === held.dev;
    return keep ? file : undefined;
  } finally {
    if (!keep) file.close();
  }
}

// flock needs no write access: a lock file another user created (a shared cache) is opened
// read-only when it cannot be opened for writing, as filelock does.
// Its folder is made only when the open says it is missing (once per folder, not per lock).
// Synchronous: opening, locking and unlocking a lock file take microseconds, less than the
// thread-pool hop of an async op (a pull of many small files takes thousands of locks).
function openLockFile(lockPath: string): Deno.FsFile {
  for (let round = 0;; round++) {
    try {
      return Deno.openSync(lockPath, { read: true, write: true, create: true, mode: 0o664 });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound && round === 0) {
        Deno.mkdirSync(dirname(lockPath), { recursive: true });
        continue;
      }
      if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
      return Deno.openSync(lockPath, { read: true });
    }
  }
}

function heldLock(path: string, file: Deno.FsFile, waited: boolean): FileLock {
  let open = true;
  const release = () => {
    if (!open) return Promise.resolve();
    open = false;
    try {
      file.unlockSync();
    } catch (err) {
      return Promise.reject(err);
    } finally {
      file.close();
    }
    return Promise.resolve();
  };
  return { path, waited, release, [Symbol.asyncDispose]: release };
}
