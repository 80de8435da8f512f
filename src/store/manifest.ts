/**
 * The manifest: one record per downloaded, verified file, keyed
 * `["np", "manifest", <sourceKey>, <localPath>]` so a source's files list together (by local
 * path) and the same source pulled into two places keeps two records. `sourceKey` is the
 * source without its revision (`hf:acme/tiny-model`, `hf:datasets/org/x`, or the URL).
 *
 * @example
 * ```ts
 * await putManifestEntry(kv, entry);
 * const { entries } = await listManifest(kv, { source: "hf:acme/tiny-model" });
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";
import { retryWhileLocked, updateWithCheck } from "./commit.ts";
import { manifestKey, manifestPrefix } from "./keys.ts";

/** How a file was laid out on disk. */
export type ManifestLayout = "hf-cache" | "local-dir" | "url";

/** One downloaded and verified file. */
export interface ManifestEntry {
  /** Source key: the source without revision (`hf:acme/tiny-model` or the URL). */
  source: string;
  /** Path inside the repository, or the file name of a URL download. */
  path: string;
  /** Absolute path of the file on disk (for hf-cache: the snapshot symlink). */
  localPath: string;
  /** Commit the file came from; null for URL sources. */
  commit: string | null;
  /** Revision asked for (branch, tag or commit); null for URL sources. */
  revision: string | null;
  size: number;
  /** SHA-256 (hex) of the content, computed while downloading. */
  sha256: string;
  /** Git blob SHA-1 of small non-LFS hub files. */
  gitSha1?: string;
  /** Hub blob etag (LFS sha256 or git sha1), or the HTTP ETag of a URL; null when none. */
  etag: string | null;
  layout: ManifestLayout;
  /** ISO 8601 instant the file was finalized. */
  downloadedAt: string;
  /**
   * Modification time (ms) and inode of the data file when it was verified: while they and
   * the size are unchanged the file is trusted, otherwise it is hashed again.
   */
  mtimeMs?: number;
  /** See `mtimeMs`; null where the platform has no inode numbers. */
  ino?: number | null;
}

/** Options of {@link listManifest}. */
export interface ListManifestOptions {
  /** Only this source key. */
  source?: string;
  /** Page size, 1 to 1000 (default 100). */
  limit?: number;
  /** Cursor from a previous page. */
  cursor?: string;
}

/** One page of manifest entries. */
export interface ManifestPage {
  entries: ManifestEntry[];
  /** Cursor of the next page, absent on the last one. */
  nextCursor?: string;
}

// Deno KV refuses keys over 2 KiB; leave room for the prefix and the encoding overhead.
const MAX_KEY_TEXT = 1900;

function checkedManifestKey(source: string, localPath: string): Deno.KvKey {
  if (source.length + localPath.length > MAX_KEY_TEXT) {
    throw new NightpullError(
      "invalid_input",
      `cannot record "${localPath}" in the manifest: source and path together exceed ` +
        `${MAX_KEY_TEXT} characters; use a shorter target directory`,
    );
  }
  return manifestKey(source, localPath);
}

/**
 * Writes (or replaces) the record of one file. Read-check-write on the record's versionstamp,
 * so two runs finishing the same file at once each commit against what they read.
 */
export async function putManifestEntry(kv: Deno.Kv, entry: ManifestEntry): Promise<void> {
  const key = checkedManifestKey(entry.source, entry.localPath);
  await updateWithCheck(async () => {
    const current = await kv.get(key);
    return { op: kv.atomic().check(current).set(key, entry), result: true };
  });
}

/** The record of one local file of a source, or null. */
export async function getManifestEntry(
  kv: Deno.Kv,
  source: string,
  localPath: string,
): Promise<ManifestEntry | null> {
  return (await kv.get<ManifestEntry>(checkedManifestKey(source, localPath))).value;
}

/** Removes the record of one local file (the file itself is left alone). */
export async function deleteManifestEntry(
  kv: Deno.Kv,
  source: string,
  localPath: string,
): Promise<void> {
  await retryWhileLocked(() => kv.delete(checkedManifestKey(source, localPath)));
}

/** Lists records, all sources or one, ordered by source then local path; cursor-paginated. */
export async function listManifest(
  kv: Deno.Kv,
  options: ListManifestOptions = {},
): Promise<ManifestPage> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new NightpullError(
      "invalid_input",
      `invalid limit ${limit}: expected a whole number from 1 to 1000`,
    );
  }
  const prefix = manifestPrefix(options.source);
  const iter = kv.list<ManifestEntry>({ prefix }, { limit, cursor: options.cursor });
  const entries: ManifestEntry[] = [];
  try {
    for await (const item of iter) entries.push(item.value);
  } catch (err) {
    if (options.cursor !== undefined && err instanceof Error && /cursor/i.test(err.message)) {
      throw new NightpullError(
        "invalid_cursor",
        `invalid cursor "${options.cursor}": pass the nextCursor of a previous page`,
      );
    }
    throw err;
  }
  return entries.length === limit && iter.cursor ? { entries, nextCursor: iter.cursor } : {
    entries,
  };
}

/** Every record of a source (or of all sources), reading page after page. */
export async function allManifestEntries(
  kv: Deno.Kv,
  source?: string,
): Promise<ManifestEntry[]> {
  const all: ManifestEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listManifest(kv, { source, limit: 1000, cursor });
    all.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
