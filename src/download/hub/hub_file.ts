/**
 * A file of a hub commit as the tree API lists it, and its hf-cache blob name.
 *
 * @example
 * ```ts
 * blobEtag({ path: "model.safetensors", size: 3, oid: "<sha1>", lfs: { oid: "<sha256>", size: 3 } }); // "<sha256>"
 * ```
 * @module
 */

/** A git blob / commit id: 40 lower-case hex digits. */
export const SHA1_HEX = /^[0-9a-f]{40}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A file of a hub commit, as listed by the tree API. */
export interface HubFile {
  path: string;
  /** Size of the file content (the LFS object for LFS files). */
  size: number;
  /** Git blob SHA-1 (of the pointer for LFS files). */
  oid: string;
  /** LFS object: `oid` is the SHA-256 of the content. */
  lfs?: { oid: string; size: number };
}

/** The hf-cache blob name ("etag") of a file: the LFS SHA-256, else the git blob SHA-1. */
export function blobEtag(file: HubFile): string {
  return file.lfs?.oid ?? file.oid;
}

/** A tree entry as a HubFile; "skip" for folders and other non-files; undefined if malformed. */
export function parseTreeEntry(entry: unknown): HubFile | "skip" | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  if (e.type !== "file") return typeof e.type === "string" ? "skip" : undefined;
  if (typeof e.path !== "string" || e.path === "") return undefined;
  if (!isSize(e.size) || typeof e.oid !== "string" || !SHA1_HEX.test(e.oid)) return undefined;
  const file: HubFile = { path: e.path, size: e.size, oid: e.oid };
  if (e.lfs !== undefined && e.lfs !== null) {
    const lfs = e.lfs as Record<string, unknown>;
    if (typeof lfs.oid !== "string" || !SHA256_HEX.test(lfs.oid) || !isSize(lfs.size)) {
      return undefined;
    }
    file.lfs = { oid: lfs.oid, size: lfs.size };
  }
  return file;
}

function isSize(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
