/**
 * The one error family of nightpull. Every failure a user can see carries a stable `code`;
 * the HTTP status and the CLI exit code are derived from that code in {@link ERROR_TABLE},
 * nowhere else.
 *
 * @example
 * ```ts
 * throw new NightpullError("invalid_cron", 'invalid cron "0 25 * * *": hour 25 out of range 0-23');
 * ```
 * @module
 */

/** CLI exit codes of the contract (DESIGN.md, CLI). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  checksum: 5,
  noSpace: 6,
  interrupted: 130,
} as const;

interface ErrorMapping {
  /** HTTP status when the error answers an API request. */
  status: number;
  /** Process exit code when the error ends a CLI command. */
  exit: number;
}

/** Stable error codes, each with its HTTP status and exit code. */
export const ERROR_TABLE = {
  // bad input
  usage: { status: 400, exit: EXIT.usage },
  malformed_json: { status: 400, exit: EXIT.usage },
  invalid_input: { status: 422, exit: EXIT.usage },
  unknown_field: { status: 422, exit: EXIT.usage },
  invalid_source: { status: 422, exit: EXIT.usage },
  invalid_cron: { status: 422, exit: EXIT.usage },
  invalid_timezone: { status: 422, exit: EXIT.usage },
  invalid_interval: { status: 422, exit: EXIT.usage },
  invalid_window: { status: 422, exit: EXIT.usage },
  invalid_cursor: { status: 400, exit: EXIT.usage },
  invalid_config: { status: 422, exit: EXIT.usage },
  host_not_allowed: { status: 422, exit: EXIT.usage },
  body_too_large: { status: 413, exit: EXIT.usage },
  unsupported_media_type: { status: 415, exit: EXIT.usage },
  // auth
  auth_required: { status: 401, exit: EXIT.auth },
  invalid_token: { status: 401, exit: EXIT.auth },
  gated_repo: { status: 403, exit: EXIT.auth },
  forbidden: { status: 403, exit: EXIT.auth },
  forbidden_origin: { status: 403, exit: EXIT.auth },
  // not found
  not_found: { status: 404, exit: EXIT.notFound },
  repo_not_found: { status: 404, exit: EXIT.notFound },
  revision_not_found: { status: 404, exit: EXIT.notFound },
  entry_not_found: { status: 404, exit: EXIT.notFound },
  /** HF_HUB_OFFLINE is set and a wanted file (or the revision) is not in the cache. */
  offline_missing: { status: 404, exit: EXIT.notFound },
  // state
  conflict: { status: 409, exit: EXIT.failed },
  outside_window: { status: 409, exit: EXIT.failed },
  // download failures
  checksum_mismatch: { status: 502, exit: EXIT.checksum },
  size_mismatch: { status: 502, exit: EXIT.checksum },
  unsafe_path: { status: 422, exit: EXIT.failed },
  resume_not_supported: { status: 502, exit: EXIT.failed },
  network_error: { status: 502, exit: EXIT.failed },
  upstream_error: { status: 502, exit: EXIT.failed },
  hub_response_too_large: { status: 502, exit: EXIT.failed },
  rate_limited: { status: 503, exit: EXIT.failed },
  stalled: { status: 504, exit: EXIT.failed },
  disk_full: { status: 507, exit: EXIT.failed },
  // the file system refuses a write, or the listing cannot be laid out
  read_only_filesystem: { status: 507, exit: EXIT.failed },
  permission_denied: { status: 403, exit: EXIT.failed },
  not_a_directory: { status: 409, exit: EXIT.failed },
  is_a_directory: { status: 409, exit: EXIT.failed },
  name_too_long: { status: 422, exit: EXIT.failed },
  path_conflict: { status: 409, exit: EXIT.failed },
  insufficient_space: { status: 507, exit: EXIT.noSpace },
  // process
  interrupted: { status: 503, exit: EXIT.interrupted },
  server_unreachable: { status: 503, exit: EXIT.failed },
  kv_unavailable: { status: 503, exit: EXIT.failed },
  internal: { status: 500, exit: EXIT.failed },
} as const satisfies Record<string, ErrorMapping>;

/** A stable error code; see {@link ERROR_TABLE}. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** An error a person can act on: a stable code, a message, optional structured details. */
export class NightpullError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "NightpullError";
    this.code = code;
    this.details = details;
  }

  /** HTTP status for this error's code. */
  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  /** CLI exit code for this error's code. */
  get exitCode(): number {
    return ERROR_TABLE[this.code].exit;
  }

  /** The contract's JSON error body: `{"error": {"code", "message", "details"?}}`. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** True when `code` is one of the stable error codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_TABLE, code);
}

/**
 * Turns anything thrown into a NightpullError, mapping the runtime's own errors (disk full,
 * connection reset, interrupted) onto stable codes; unknown errors become `internal`.
 */
export function toNightpullError(err: unknown): NightpullError {
  if (err instanceof NightpullError) return err;
  if (err instanceof Error) {
    const text = `${err.name} ${err.message}`;
    const refused = osWriteError(err);
    if (refused) return refused;
    if (/ENOSPC|No space left on device|os error 28/i.test(text)) {
      return new NightpullError("disk_full", `disk full: ${err.message}`, undefined, {
        cause: err,
      });
    }
    if (err.name === "AbortError") {
      return new NightpullError("interrupted", "interrupted", undefined, { cause: err });
    }
    if (
      err instanceof TypeError && /fetch|connect|network|reset|body|stream/i.test(err.message) ||
      err.name === "ConnectionReset" || err.name === "ConnectionRefused" ||
      err.name === "BrokenPipe" || err.name === "UnexpectedEof" || err.name === "Http"
    ) {
      return new NightpullError("network_error", `network error: ${err.message}`, undefined, {
        cause: err,
      });
    }
    return new NightpullError("internal", err.message, undefined, { cause: err });
  }
  return new NightpullError("internal", String(err));
}

/** The message a client sees: prefixed with `details.field` when it does not name it. */
export function clientMessage(err: NightpullError): string {
  const field = err.details?.field;
  if (err.status < 500 && typeof field === "string" && field && !err.message.includes(field)) {
    return `${field}: ${err.message}`;
  }
  return err.message;
}

// ---- the file system's refusals (read-only, not a folder, name too long, no permission, full) ----

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
