/**
 * The shapes a pull shares with its callers and its parts: what to pull, what it needs from
 * its caller, what it reports while it runs and when it is done.
 *
 * @example
 * ```ts
 * const request: PullRequest = { source: "hf:acme/tiny-model@main", include: ["*.json"] };
 * ```
 * @module
 */
import type { Config } from "../../config.ts";
import type { Logger } from "../../log.ts";
import type { BandwidthLimiter } from "../transfer/fetcher.ts";
import type { DryRunPlan } from "./dry_run.ts";

/** What to pull (the schedule's DownloadSpec, minus scheduling). */
export interface PullRequest {
  source: string;
  include?: string[];
  exclude?: string[];
  layout?: "hf-cache" | "local-dir";
  /** local-dir target, or hf-cache root (else config.hubCache); for URLs the downloads dir. */
  dir?: string;
  /** Expected SHA-256 (hex) of a URL source. */
  sha256?: string;
  /** File name of a URL source (else Content-Disposition or the URL). */
  filename?: string;
  /** Connections per large file (else config.connections). */
  connections?: number;
  /** Only these repo paths (a file, or a folder for all under it), as `hf download REPO PATH...`. */
  paths?: string[];
  /** Fetch every selected file again, even when present and verified (`--force-download`). */
  force?: boolean;
  /** Plan only: resolve, list and check presence, write and transfer nothing (`--dry-run`). */
  dryRun?: boolean;
  /**
   * This pull's own bandwidth limit (rclone syntax; timetable steps in `config.timezone`),
   * shared by all its files and connections.
   */
  bandwidth?: string;
  /** `"always"`: re-hash every present file, not only those whose stamp changed (`--verify`). */
  verify?: "changed" | "always";
  /**
   * hf-cache: after success, keep only this many snapshots of the repo (newest by when first
   * seen, plus any a ref names) and the blobs they use. Absent: keep all.
   */
  keepRevisions?: number;
  /** local-dir: after success, delete the files nightpull wrote earlier that this pull lacks. */
  prune?: boolean;
}

/** What a pull reports while it runs. */
export type PullEvent =
  | {
    type: "plan";
    commit: string | null;
    files: { path: string; size: number | null; skip: boolean }[];
    /** Files present besides `files` (skipped, not listed one by one: an unchanged snapshot). */
    present?: number;
  }
  | { type: "progress"; path: string; bytes: number; total: number | null }
  | { type: "file"; path: string; status: "done" | "skipped"; bytes: number }
  /** Another process (or run) holds the file's lock; this pull waits for it. */
  | { type: "waiting"; path: string; message: string }
  | {
    /** Waiting on a 429 until `until` (ISO); `by` is "the hub" or the URL's host. */
    type: "wait";
    reason: "rate_limited";
    by: string;
    seconds: number;
    until: string;
  };

/** Everything a pull needs from its caller. */
export interface PullContext {
  config: Config;
  kv: Deno.Kv;
  /** For HF_TOKEN; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  onEvent?: (e: PullEvent) => void;
  logger?: Logger;
  /** Files downloaded at once (default 8, as huggingface_hub's snapshot_download). */
  fileConcurrency?: number;
  /** Limiters shared beyond this pull (the process-wide `--bwlimit`); every byte takes from each. */
  limiters?: BandwidthLimiter[];
  /** Total time this pull may wait on rate limits (default 10 min), then `rate_limited`. */
  rateLimitBudgetMs?: number;
}

/** The outcome of a successful pull. */
export interface PullReport {
  source: string;
  commit: string | null;
  files: { total: number; done: number; skipped: number };
  /** Body bytes transferred by this call. */
  bytes: number;
  /** Final local paths (largest file first). */
  paths: string[];
  /** With `dryRun`: what the pull would do; nothing was written or transferred. */
  plan?: DryRunPlan;
}
