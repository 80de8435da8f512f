/**
 * The checks of a pull request that need no I/O: a bad field refuses the pull before anything
 * is resolved or written, saying what was wrong and what would be right.
 *
 * @example
 * ```ts
 * checkPullRequest({ source: "hf:acme/m", connections: 64 }, parseSource("hf:acme/m")); // throws invalid_input
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { parseBandwidth } from "../../time/bandwidth.ts";
import type { Source } from "../source/source.ts";
import type { PullRequest } from "./pull_types.ts";

/** Throws `invalid_input` when fields of `request` do not fit together or with `source`. */
export function checkPullRequest(request: PullRequest, source: Source): void {
  const bad = (message: string) => {
    throw new NightpullError("invalid_input", message);
  };
  if (request.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(request.sha256)) {
    bad(`invalid sha256 "${request.sha256}": expected 64 hex characters`);
  }
  if (source.kind === "hf" && (request.sha256 !== undefined || request.filename !== undefined)) {
    bad("sha256 and filename apply to URL sources only; hub files are verified from the listing");
  }
  if (source.kind === "url" && (request.paths?.length || request.dryRun || request.force)) {
    bad("paths, dryRun and force apply to hub sources only");
  }
  if (request.layout === "local-dir" && source.kind === "hf" && !request.dir) {
    bad('layout "local-dir" needs a target directory (--local-dir DIR)');
  }
  if (request.bandwidth !== undefined) parseBandwidth(request.bandwidth);
  const c = request.connections;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > 32)) {
    bad(`invalid connections ${c}: expected a whole number from 1 to 32`);
  }
}
