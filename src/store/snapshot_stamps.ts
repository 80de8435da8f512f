/**
 * A compact copy of what a no-op re-pull needs from the manifest: the stamp (inode, mtime,
 * size) of every file of one snapshot, 24 bytes a file in a few KV values, instead of 100,000
 * full records. It is written by a pull that found every file unchanged, and trusted only while
 * no manifest record of the source has been written or deleted since: every such write also
 * sets the source's version key (see manifest.ts), whose versionstamp the copy names.
 *
 * Keys: `["np","stamps",source,place]` -> head, `["np","stamps",source,place,id,n]` -> chunk n
 * (a Float64Array of `[ino, mtimeMs, size]` per file; ino -1 where the platform has none).
 *
 * @example
 * ```ts
 * const version = await manifestVersion(kv, source); // before the records are read
 * const stamps = await readSnapshotStamps(kv, source, place, digest); // undefined: read records
 * await writeSnapshotStamps(kv, { source, place, digest, version, stamps });
 * ```
 * @module
 */
import { commitWithRetry, retryWhileLocked } from "./commit.ts";

/** Files per chunk: 48,000 bytes, under KV's 64 KiB value limit. */
export const STAMPS_PER_CHUNK = 2000;
/** Bytes of one chunk of paths. */
const CHUNK_BYTES = 48_000;
/** Numbers kept per file. */
export const STAMP_FIELDS = 3;

const versionKey = (source: string): Deno.KvKey => ["np", "manifest_version", source];
const headKey = (source: string, place: string): Deno.KvKey => ["np", "stamps", source, place];

/** What the head of a copy says. */
interface StampsHead {
  /** The version key's versionstamp when the records were read (null: never written). */
  version: string | null;
  /** What the files were: see the scan's digest (paths, etags, sizes, commit, revision). */
  digest: string;
  files: number;
  chunks: number;
  /** Names this copy's chunks, so two writers never mix theirs. */
  id: string;
  /** What the pull asked for (revision, selection): a later pull asking the same may use it. */
  request?: string;
  /** Chunks of the files' repo paths, UTF-8, one a line, in the order of the stamps. */
  pathChunks?: number;
}

/** A copy found by {@linkcode readSnapshotCopy}. */
export interface SnapshotCopy {
  /** `[ino, mtimeMs, size]` per file. */
  stamps: Float64Array;
  /** The files' repo paths, one a line, in the order of `stamps`. */
  paths: string;
}

/**
 * The copy of `place` written for the same `request`, with its paths, while no record of the
 * source changed since: what a no-op re-pull needs without the commit's listing (a commit's
 * files never change). Undefined when there is none, or it is not current.
 */
export async function readSnapshotCopy(
  kv: Deno.Kv,
  source: string,
  place: string,
  request: string,
): Promise<SnapshotCopy | undefined> {
  const h = await currentHead(kv, source, place);
  if (!h || h.request !== request) return undefined;
  const stamps = await readStamps(kv, source, place, h);
  const text = await readChunks(kv, [...headKey(source, place), h.id, "p"], h.pathChunks!);
  if (!stamps || !text) return undefined;
  return { stamps, paths: new TextDecoder().decode(text) };
}

/**
 * The head of `place`'s copy while no record of the source changed since it was written (and
 * it has its paths: a copy without them, as first written, is replaced by one with them).
 */
async function currentHead(kv: Deno.Kv, source: string, place: string) {
  const [version, head] = await retryWhileLocked(() =>
    kv.getMany<[unknown, StampsHead]>([versionKey(source), headKey(source, place)])
  );
  const h = head.value;
  return h && h.pathChunks && h.version === version.versionstamp ? h : undefined;
}

/** The stamps `h` heads, or undefined when a chunk is missing or of the wrong length. */
async function readStamps(kv: Deno.Kv, source: string, place: string, h: StampsHead) {
  const bytes = await readChunks(kv, [...headKey(source, place), h.id], h.chunks);
  if (!bytes || bytes.length !== h.files * STAMP_FIELDS * 8) return undefined;
  return new Float64Array(bytes.buffer, 0, h.files * STAMP_FIELDS);
}

/** The bytes of chunks `prefix + [0..count)`, joined; undefined when one is missing. */
async function readChunks(kv: Deno.Kv, prefix: Deno.KvKey, count: number) {
  const parts: Uint8Array[] = [];
  for (let n = 0; n < count; n += 10) {
    const keys = Array.from({ length: Math.min(10, count - n) }, (_, i) => [...prefix, n + i]);
    const got = await retryWhileLocked(() => kv.getMany<Uint8Array[]>(keys));
    for (const chunk of got) {
      if (!(chunk.value instanceof Uint8Array)) return undefined;
      parts.push(chunk.value);
    }
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return all;
}

/** Marks a change of the source's records in the same atomic operation as the change. */
export function bumpManifestVersion(op: Deno.AtomicOperation, source: string) {
  return op.set(versionKey(source), Date.now());
}

/** The versionstamp of the source's version key (null before any record was written). */
export async function manifestVersion(kv: Deno.Kv, source: string): Promise<string | null> {
  return (await retryWhileLocked(() => kv.get(versionKey(source)))).versionstamp;
}

/**
 * The stamps of `place` (`[ino, mtimeMs, size]` per file, in the order they were written), or
 * undefined when there is no copy, it is of other files (`digest`), or a record of the source
 * changed since it was written.
 */
export async function readSnapshotStamps(
  kv: Deno.Kv,
  source: string,
  place: string,
  digest: string,
): Promise<Float64Array | undefined> {
  const h = await currentHead(kv, source, place);
  if (!h || h.digest !== digest) return undefined;
  return await readStamps(kv, source, place, h);
}

/** What {@linkcode writeSnapshotStamps} writes. */
export interface SnapshotStamps {
  source: string;
  place: string;
  digest: string;
  /** {@linkcode manifestVersion} read before the records the stamps come from. */
  version: string | null;
  stamps: Float64Array;
  /** See {@linkcode readSnapshotCopy}: with the request, the files' repo paths, one a line. */
  request?: string;
  paths?: string;
}

/**
 * Writes a copy, chunks first, then its head only if no record of the source changed since
 * `version` was read (else nothing is trusted: returns false). Older copies of `place` go.
 */
export async function writeSnapshotStamps(kv: Deno.Kv, s: SnapshotStamps): Promise<boolean> {
  const id = crypto.randomUUID();
  const bytes = new Uint8Array(s.stamps.buffer, s.stamps.byteOffset, s.stamps.byteLength);
  const size = STAMPS_PER_CHUNK * STAMP_FIELDS * 8;
  const chunks = Math.ceil(bytes.length / size);
  for (let n = 0; n < chunks; n += 10) {
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (let i = n; i < Math.min(chunks, n + 10); i++) {
        op.set([...headKey(s.source, s.place), id, i], bytes.slice(i * size, (i + 1) * size));
      }
      return op;
    });
  }
  const text = s.paths === undefined ? undefined : new TextEncoder().encode(s.paths);
  const pathChunks = text === undefined ? 0 : Math.ceil(text.length / CHUNK_BYTES);
  for (let n = 0; n < pathChunks; n += 10) {
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (let i = n; i < Math.min(pathChunks, n + 10); i++) {
        const part = text!.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
        op.set([...headKey(s.source, s.place), id, "p", i], part);
      }
      return op;
    });
  }
  const files = s.stamps.length / STAMP_FIELDS;
  const head: StampsHead = { version: s.version, digest: s.digest, files, chunks, id };
  if (s.request !== undefined && pathChunks > 0) {
    Object.assign(head, { request: s.request, pathChunks });
  }
  const done = await commitWithRetry(() =>
    kv.atomic().check({ key: versionKey(s.source), versionstamp: s.version })
      .set(headKey(s.source, s.place), head)
  );
  // the head now names these chunks (the others are stale), or it does not (these are)
  await dropChunks(kv, s.source, s.place, (chunkId) => done.ok ? chunkId !== id : chunkId === id);
  return done.ok;
}

/** Removes the chunks of `place` whose copy id is `stale`. */
async function dropChunks(
  kv: Deno.Kv,
  source: string,
  place: string,
  stale: (id: unknown) => boolean,
) {
  const keys: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: headKey(source, place) })) {
    if (e.key.length > 4 && stale(e.key[4])) keys.push(e.key);
  }
  for (let i = 0; i < keys.length; i += 100) {
    await commitWithRetry(() => {
      const op = kv.atomic();
      for (const key of keys.slice(i, i + 100)) op.delete(key);
      return op;
    });
  }
}
