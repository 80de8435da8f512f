/**
 * Downloads: getting bytes from the hub (or any URL) onto disk, verified and resumable. Imports
 * only `store/` and the base layer; never `schedule/`, `api/`, `cli/` or `ui/`.
 *
 * Sub-folders, bottom to top:
 * - `source/`: what to download: `hf:` sources and URLs, the manifest's source key, globs.
 * - `net/`: every outbound request: the one redirect policy, retry decisions, the
 *   `--allow-hosts` guard, the remote side of a ranged GET, `Content-Disposition` names.
 * - `hub/`: the Hugging Face hub API as huggingface_hub speaks it (resolve, paginated tree,
 *   errors worded for people, the rate-limit budget, the on-disk tree cache).
 * - `part/`: partial files: where they live, their sidecar state, resume plans, the one-writer
 *   file lock shared with huggingface_hub.
 * - `verify/`: SHA-256 / git SHA-1 while streaming and re-hashing files on disk.
 * - `transfer/`: the fetcher: one stream or many ranges (adaptive connections, tail stealing),
 *   the write path, stall watch, bandwidth limiter, progress metering.
 * - `layout/`: where verified files land: the hf cache (blobs, snapshots, refs), local dirs and
 *   their huggingface_hub metadata, path and symlink safety, free-space checks.
 * - `cache/`: the hf cache as a whole: scan, report, prune, retention of old revisions.
 * - `pull/`: one pull end to end (plan, lock, fetch, record, retention), hub, URL and offline.
 * @module
 */
export * from "./source/source.ts";
export * from "./source/source_key.ts";
export * from "./hub/hub_client.ts";
export * from "./transfer/fetcher.ts";
export * from "./layout/hf_cache.ts";
export * from "./pull/pull.ts";
export * from "./verify/verify.ts";
