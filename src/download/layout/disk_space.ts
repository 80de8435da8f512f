/**
 * Free space of the filesystem a pull writes to, and the preflight that refuses a pull which
 * would not fit: bytes still needed plus a reserve must be at most what is free, or the run
 * fails `insufficient_space` before (or between) transfers instead of filling the disk.
 * `statfs` needs `--allow-sys=statfs` in Deno; nothing shells out to `df`.
 *
 * @example
 * ```ts
 * const space = await diskSpace("/data/hf/hub/models--acme--tiny");
 * await ensureFreeSpace({ path, needed: 14 * 2 ** 30, reserve: 2 ** 30 });
 * ```
 * @module
 */
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { formatBytes } from "../../byte_size.ts";
import { NightpullError } from "../../errors.ts";

/** Space of one filesystem, in bytes; `path` is the existing folder that was asked. */
interface DiskSpace {
  path: string;
  /** Free for an unprivileged writer (`f_bavail`). */
  free: number;
  total: number;
}

/** Statfs of `path`, or of its nearest existing ancestor when it does not exist yet. */
export async function diskSpace(path: string): Promise<DiskSpace> {
  let at = resolve(path);
  for (;;) {
    try {
      const s = await statfs(at);
      return { path: at, free: s.bavail * s.bsize, total: s.blocks * s.bsize };
    } catch (err) {
      const parent = dirname(at);
      const missing = err instanceof Deno.errors.NotFound ||
        (err as { code?: string }).code === "ENOENT";
      if (!missing || parent === at) throw statfsError(at, err);
      at = parent;
    }
  }
}

function statfsError(path: string, err: unknown): NightpullError {
  const message = (err as Error).message ?? String(err);
  const hint = /allow-sys/.test(message)
    ? " (run with --allow-sys=statfs, as the nightpull tasks and binary do)"
    : "";
  return new NightpullError(
    "internal",
    `cannot read the free space of ${path}: ${message}${hint}`,
    undefined,
    { cause: err },
  );
}

/** What a preflight weighs. */
interface SpaceNeed {
  /** Where the bytes go (need not exist yet). */
  path: string;
  /** Bytes still to be written. */
  needed: number;
  /** Bytes that must stay free afterwards. */
  reserve: number;
}

/**
 * Throws `insufficient_space` when `needed + reserve` exceeds the free space at `path`, with
 * the figures in the message; returns the space seen otherwise.
 */
export async function ensureFreeSpace(need: SpaceNeed): Promise<DiskSpace> {
  const space = await diskSpace(need.path);
  if (need.needed + need.reserve <= space.free) return space;
  throw new NightpullError(
    "insufficient_space",
    `not enough disk space: needs ${formatBytes(need.needed)} + ${formatBytes(need.reserve)} ` +
      `reserve, ${formatBytes(space.free)} free on ${
        resolve(need.path)
      }; free some space (nightpull ` +
      "cache prune) or lower --min-free",
    { path: space.path, needed: need.needed, reserve: need.reserve, free: space.free },
  );
}
