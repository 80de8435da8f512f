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
import { commitWithRetry, retryWhileLocked, updateWithCheck } from "./commit.ts";
import { manifestKey, manifestPrefix } from "./keys.ts";
import { bumpManifestVersion } from "./snapshot_stamps.ts";

/** How a file was laid out on disk. */
type ManifestLayout = "hf-cache" | "local-dir" | "url";

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
interface ListManifestOptions {
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
    const op = kv.atomic().check(current).set(key, entry);
    return { op: bumpManifestVersion(op, entry.source), result: true };
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
  const key = checkedManifestKey(source, localPath);
  await commitWithRetry(() => bumpManifestVersion(kv.atomic().delete(key), source));
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

/** Most records one atomic commit of {@link putManifestEntries} writes (KV allows 1000). */
export const MANIFEST_BATCH_RECORDS = 1000;
/** Most bytes (roughly, as JSON) one commit writes; KV refuses a commit past 800 KB. */
const MANIFEST_BATCH_BYTES = 600_000;
/** Most key bytes one commit writes; KV refuses a commit whose keys pass 81,920 bytes. */
const MANIFEST_BATCH_KEY_BYTES = 72_000;

/**
 * Writes many records in as few atomic commits as KV allows (up to
 * {@link MANIFEST_BATCH_RECORDS} mutations, about 72 KB of keys and 600 KB in all each), each
 * also setting the source's version key (see snapshot_stamps.ts): blind sets, last writer wins,
 * which is right for records of verified content (two writers of one path wrote the same
 * bytes). Returns the number of commits made.
 */
export async function putManifestEntries(kv: Deno.Kv, entries: ManifestEntry[]): Promise<number> {
  let commits = 0;
  let batch: [Deno.KvKey, ManifestEntry][] = [];
  const sources = new Set<string>();
  let bytes = 0;
  let keyBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const sets = batch;
    batch = [];
    sources.clear();
    bytes = 0;
    keyBytes = 0;
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (const [key, value] of sets) op.set(key, value);
      // what a snapshot's stamp copy was made from changed (see snapshot_stamps.ts)
      for (const source of new Set(sets.map(([, e]) => e.source))) {
        bumpManifestVersion(op, source);
      }
      return op;
    });
    commits++;
  };
  for (const entry of entries) {
    const key = checkedManifestKey(entry.source, entry.localPath);
    // UTF-8 bytes of the key's texts plus the tuple encoding's few bytes per part
    const keySize = encoder.encode(entry.source).length + encoder.encode(entry.localPath).length +
      32;
    const size = 3 * JSON.stringify(entry).length + keySize;
    // KV takes 1000 mutations a commit: the records, and one version key per source
    const mutations = batch.length + 1 + sources.size + (sources.has(entry.source) ? 0 : 1);
    if (
      mutations > MANIFEST_BATCH_RECORDS || bytes + size > MANIFEST_BATCH_BYTES ||
      keyBytes + keySize > MANIFEST_BATCH_KEY_BYTES
    ) await flush();
    batch.push([key, entry]);
    sources.add(entry.source);
    bytes += size;
    keyBytes += keySize;
  }
  await flush();
  return commits;
}

/**
 * The records of one source at these local paths (absent ones left out), read as one or a few
 * key-range pages rather than one read per path: the paths are sorted and the range between
 * the first and last read; when that range holds many other records, it is read by `getMany`
 * ten keys at a time instead.
 */
export async function manifestEntriesAt(
  kv: Deno.Kv,
  source: string,
  localPaths: string[],
): Promise<ManifestEntry[]> {
  if (localPaths.length === 0) return [];
  const wanted = new Set(localPaths);
  const sorted = [...wanted].sort(byUtf8);
  const prefix = manifestPrefix(source);
  const start = [...prefix, sorted[0]];
  const end = [...prefix, sorted[sorted.length - 1] + "\0"];
  const limit = sorted.length * 2 + 100;
  const found: ManifestEntry[] = [];
  let read = 0;
  const iter = kv.list<ManifestEntry>({ start, end }, { limit, batchSize: 500 });
  for await (const item of iter) {
    read++;
    if (wanted.has(item.value.localPath)) found.push(item.value);
  }
  if (read < limit) return found;
  // A sparse range (records of other places in between): exact reads instead.
  const exact: ManifestEntry[] = [];
  for (let i = 0; i < sorted.length; i += 10) {
    const keys = sorted.slice(i, i + 10).map((p) => manifestKey(source, p));
    const got = await retryWhileLocked(() => kv.getMany<ManifestEntry[]>(keys));
    for (const g of got) if (g.value) exact.push(g.value);
  }
  return exact;
}

/** Orders strings as KV orders key parts (by UTF-8 bytes, not UTF-16 code units). */
function byUtf8(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order is UTF-8 order unless a surrogate or U+E000..U+FFFF is involved
  if (!WIDE.test(a) && !WIDE.test(b)) return a < b ? -1 : 1;
  const ea = encoder.encode(a);
  const eb = encoder.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}
const encoder = new TextEncoder();
const WIDE = /[\uD800-\uFFFF]/;
