/**
 * The sidecar `<part>.json` that lets a partial download resume after any interruption,
 * including a process restart: what the bytes are supposed to be (URL-independent identity),
 * the server's ETag for them, and for multi-connection downloads which ranges are on disk.
 * Written atomically (temporary file, fsync, rename); a sidecar that cannot be read is ignored,
 * which at worst costs a download from zero.
 *
 * @example
 * ```ts
 * await writePartState(part, { version: 1, identity: { sha256 }, layout: "append" });
 * const state = await readPartState(part);
 * ```
 * @module
 */
import type { ByteRange } from "../transfer/range_plan.ts";

/** What the finished file must be; any field may be unknown. */
export interface PartIdentity {
  size?: number;
  sha256?: string;
  gitSha1?: string;
  etag?: string;
}

/** Everything needed to resume a partial download. */
interface PartState {
  version: 1;
  /** The caller's expectation when the part was started. */
  identity: PartIdentity;
  /** Strong ETag the server sent for these bytes; a different one means the file changed. */
  serverEtag?: string;
  /** Full size, when the server told it. */
  total?: number;
  /**
   * `append`: bytes `[0, part size)` are valid, the part grows at its end.
   * `ranges`: the part is preallocated to `total`; only `done` ranges hold valid bytes.
   */
  layout: "append" | "ranges";
  /** Ranges fsynced to disk, `[start, end)` pairs (layout `ranges`). */
  done?: [number, number][];
}

/** Path of the sidecar describing `partPath`. */
export function partStatePath(partPath: string): string {
  return `${partPath}.json`;
}

/** Validates parsed JSON as a PartState; undefined when it is not one. */
export function parsePartState(value: unknown): PartState | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.version !== 1 || (v.layout !== "append" && v.layout !== "ranges")) return undefined;
  const id = v.identity as Record<string, unknown> | undefined;
  if (typeof id !== "object" || id === null) return undefined;
  const identity: PartIdentity = {};
  if (id.size !== undefined) {
    if (!Number.isSafeInteger(id.size) || (id.size as number) < 0) return undefined;
    identity.size = id.size as number;
  }
  for (const key of ["sha256", "gitSha1", "etag"] as const) {
    if (id[key] === undefined) continue;
    if (typeof id[key] !== "string") return undefined;
    identity[key] = id[key] as string;
  }
  const state: PartState = { version: 1, identity, layout: v.layout };
  if (v.serverEtag !== undefined) {
    if (typeof v.serverEtag !== "string") return undefined;
    state.serverEtag = v.serverEtag;
  }
  if (v.total !== undefined) {
    if (!Number.isSafeInteger(v.total) || (v.total as number) < 0) return undefined;
    state.total = v.total as number;
  }
  if (v.layout === "ranges") {
    if (state.total === undefined || !Array.isArray(v.done)) return undefined;
    const total = state.total;
    const valid = v.done.every((pair) =>
      Array.isArray(pair) && pair.length === 2 && Number.isSafeInteger(pair[0]) &&
      Number.isSafeInteger(pair[1]) && pair[0] >= 0 && pair[0] <= pair[1] && pair[1] <= total
    );
    if (!valid) return undefined;
    state.done = v.done as [number, number][];
  }
  return state;
}

/** Reads the sidecar of `partPath`; undefined when absent or unreadable. */
export async function readPartState(partPath: string): Promise<PartState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(partStatePath(partPath));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    return parsePartState(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Writes the sidecar atomically: a reader sees the old or the new state, never a torn one. */
export async function writePartState(partPath: string, state: PartState): Promise<void> {
  const path = partStatePath(partPath);
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(state));
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

/** Removes the sidecar (and a leftover temporary one); absent files are fine. */
export async function removePartState(partPath: string): Promise<void> {
  for (const path of [partStatePath(partPath), `${partStatePath(partPath)}.tmp`]) {
    await Deno.remove(path).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }
}

/** True when no field known on both sides differs: the part may hold bytes of `expected`. */
export function sameIdentity(stored: PartIdentity, expected: PartIdentity): boolean {
  for (const key of ["size", "sha256", "gitSha1", "etag"] as const) {
    const a = stored[key];
    const b = expected[key];
    if (a === undefined || b === undefined) continue;
    const differ = typeof a === "string" && typeof b === "string"
      ? a.toLowerCase() !== b.toLowerCase()
      : a !== b;
    if (differ) return false;
  }
  return true;
}

/** The `done` pairs of a state as ranges. */
export function doneRanges(state: PartState): ByteRange[] {
  return (state.done ?? []).map(([start, end]) => ({ start, end }));
}
