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

import { osWriteError } from "./os_errors.ts";

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
  // the file system refuses a write (src/os_errors.ts), or the listing cannot be laid out
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
