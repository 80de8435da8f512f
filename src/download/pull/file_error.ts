/**
 * A failed hub file's error, worded around the repo path the user knows rather than the blob
 * (etag) the fetcher names.
 *
 * @example
 * ```ts
 * throw describeFileError(toNightpullError(err), "model.safetensors", job);
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import type { BlobJob } from "./pull_plan.ts";

/**
 * The fetcher names the blob (an etag in the hf cache); users know the repo path, so errors
 * are re-worded around it. Checksum errors keep both hashes.
 */
export function describeFileError(err: NightpullError, path: string, job: BlobJob): NightpullError {
  if (err.code === "interrupted" || err.message.includes(JSON.stringify(path))) return err;
  const d = err.details ?? {};
  if (err.code === "checksum_mismatch") {
    const algo = String(d.algorithm ?? (job.sha256 ? "sha256" : "git-sha1"));
    return new NightpullError(
      err.code,
      `checksum mismatch for ${JSON.stringify(path)}: expected ${algo} ${
        String(d.expected ?? job.sha256 ?? job.gitSha1)
      }, got ${String(d.actual ?? "unknown")}; the bad download was deleted, run again`,
      { ...d, path },
      { cause: err },
    );
  }
  const message = err.message.replaceAll(job.etag, JSON.stringify(path));
  return new NightpullError(
    err.code,
    message.includes(JSON.stringify(path)) ? message : `${JSON.stringify(path)}: ${message}`,
    { ...d, path },
    { cause: err },
  );
}
