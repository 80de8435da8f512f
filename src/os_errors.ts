/**
 * The file system's refusals (read-only, not a folder, a folder in the way, name too long,
 * permission denied, no space) as NightpullErrors with one line that names the path and says
 * what to do. Deno reports them as `Error`s carrying an errno `code` and the path in quotes.
 *
 * @example
 * ```ts
 * osWriteError(err)?.message;
 * // "cannot write /mnt/ro/model.bin: the file system is read-only; choose a writable folder ..."
 * ```
 * @module
 */
import { type ErrorCode, NightpullError } from "./errors.ts";

const CHOOSE = "choose another folder (--local-dir, --cache-dir or HF_HUB_CACHE)";

/** Per errno: the stable code and the sentence after "cannot write <path>: ". */
const OS_ERRORS: Record<string, { code: ErrorCode; why: string }> = {
  EROFS: {
    code: "read_only_filesystem",
    why: `the file system is read-only; ${CHOOSE} or remount it read-write`,
  },
  ENOTDIR: {
    code: "not_a_directory",
    why: `a part of that path is a file, not a folder; move that file away or ${CHOOSE}`,
  },
  EISDIR: {
    code: "is_a_directory",
    why: `a folder is in the way of that file; move the folder away or ${CHOOSE}`,
  },
  ENAMETOOLONG: {
    code: "name_too_long",
    why: `a name in that path is too long for this file system (255 bytes per name at most); ` +
      `${CHOOSE} or leave the file out with --exclude`,
  },
  EACCES: {
    code: "permission_denied",
    why: `permission denied; give this user write access there, or ${CHOOSE}`,
  },
  EPERM: {
    code: "permission_denied",
    why: `operation not permitted; give this user write access there, or ${CHOOSE}`,
  },
  ENOSPC: {
    code: "disk_full",
    why: `no space left on the device; free some space or ${CHOOSE}`,
  },
  EDQUOT: {
    code: "disk_full",
    why: `the disk quota is used up; free some space or ${CHOOSE}`,
  },
};

/** Linux errno numbers of the errors above, for errors that carry only "(os error N)". */
const ERRNO: Record<number, string> = {
  1: "EPERM",
  13: "EACCES",
  20: "ENOTDIR",
  21: "EISDIR",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG",
  122: "EDQUOT",
};

/**
 * The NightpullError for a file-system refusal, or undefined when `err` is not one. A folder
 * that cannot be made because a file holds its name (`mkdir` EEXIST) is `not_a_directory`.
 * `pathHint` names the path when the runtime's message does not (e.g. `makeTempDir`).
 */
export function osWriteError(err: unknown, pathHint?: string): NightpullError | undefined {
  if (!(err instanceof Error)) return undefined;
  const message = err.message;
  let errno = (err as { code?: unknown }).code;
  if (typeof errno !== "string") {
    const number = /\(os error (\d+)\)/.exec(message)?.[1];
    errno = number === undefined ? undefined : ERRNO[Number(number)];
  }
  // The path is the last quoted one: the target of a rename or symlink.
  const quoted = [...message.matchAll(/'([^']*)'/g)];
  const path = quoted.length > 0 ? quoted[quoted.length - 1][1] : pathHint;
  if (errno === "EEXIST" && /^[^:]*: mkdir /.test(message) && path !== undefined) {
    return new NightpullError(
      "not_a_directory",
      `cannot create the folder ${path}: a file of that name is in the way; ` +
        `move that file away or ${CHOOSE}`,
      { path, errno },
      { cause: err },
    );
  }
  const known = typeof errno === "string" ? OS_ERRORS[errno] : undefined;
  if (!known) return undefined;
  const where = path === undefined ? "cannot write" : `cannot write ${path}`;
  const file = errno === "ENOTDIR" && path !== undefined ? fileInTheWay(path) : undefined;
  if (file !== undefined) {
    return new NightpullError(
      "not_a_directory",
      `${where}: ${file} is a file, not a folder; move that file away or ${CHOOSE}`,
      { path, errno },
      { cause: err },
    );
  }
  return new NightpullError(known.code, `${where}: ${known.why}`, {
    ...(path !== undefined ? { path } : {}),
    errno,
  }, { cause: err });
}

/** The first component of `path` that exists as something other than a folder, if any. */
function fileInTheWay(path: string): string | undefined {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (prefix === "") continue;
    try {
      if (!Deno.statSync(prefix).isDirectory) return prefix;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
