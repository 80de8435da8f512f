/**
 * Reads a huggingface_hub cache as it is on disk — not only what nightpull wrote — the way
 * `hf cache ls` does: every `{models,datasets,spaces}--org--name` folder, its refs, its
 * snapshots (files are symlinks into `blobs/`) and its blobs with their sizes.
 *
 * @example
 * ```ts
 * const repos = await scanCache("/home/me/.cache/huggingface/hub");
 * for (const r of repos) console.log(r.repo, r.type, r.size, r.revisions.length);
 * ```
 * @module
 */
import { basename, join, relative, resolve, sep } from "node:path";
import type { HfCacheRepo } from "../layout/hf_cache.ts";
import { REPO_TYPE_BY_PLURAL, type RepoType } from "../source/source.ts";

/** One snapshot of a cached repo. */
interface CachedRevision {
  commit: string;
  /** Refs (branches, tags, `refs/pr/1`) naming this commit. */
  refs: string[];
  /** Files in the snapshot. */
  files: number;
  /** Bytes of the distinct blobs the snapshot uses. */
  size: number;
  /** Latest modification time of those blobs (ISO), null for an empty snapshot. */
  lastModified: string | null;
  /** Blob names the snapshot's files point at. */
  blobs: string[];
  /** When the snapshot folder appeared (birth time, else modification time), ms. */
  createdMs: number;
}

/** One cached repository. */
export interface CachedRepo {
  /** `org/name`. */
  repo: string;
  type: RepoType;
  /** `<cache>/models--org--name`. */
  dir: string;
  /**
   * Bytes of every complete blob in `blobs/` (what `du -b` of those files says), plus snapshot
   * files that are copies rather than links.
   */
  size: number;
  /** Complete blobs: name -> size. */
  blobs: Record<string, number>;
  /** Ref name -> commit. */
  refs: Record<string, string>;
  revisions: CachedRevision[];
  lastModified: string | null;
}

/** `models--org--name` -> its type and id, or null for anything else (`.locks`, stray files). */
function parseRepoFolder(name: string): { type: RepoType; repo: string } | null {
  const parts = name.split("--");
  const type = REPO_TYPE_BY_PLURAL[parts[0]];
  if (!type || parts.length < 2 || parts.slice(1).some((p) => p === "")) return null;
  return { type, repo: parts.slice(1).join("/") };
}

/** The repo as an {@link HfCacheRepo} (for blob and lock paths). */
export function cacheRepoOf(repo: CachedRepo): HfCacheRepo {
  return { dir: repo.dir };
}

/** Every repo in the cache at `root` (none when the folder does not exist), sorted by id. */
export async function scanCache(root: string): Promise<CachedRepo[]> {
  const out: CachedRepo[] = [];
  try {
    for await (const entry of Deno.readDir(root)) {
      const parsed = parseRepoFolder(entry.name);
      if (!parsed || !entry.isDirectory) continue;
      out.push(await scanRepo(join(resolve(root), entry.name)));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => `${a.type}/${a.repo}`.localeCompare(`${b.type}/${b.repo}`));
}

/** One repo folder, read fresh. */
export async function scanRepo(dir: string): Promise<CachedRepo> {
  const parsed = parseRepoFolder(basename(dir));
  if (!parsed) throw new Error(`not a hub cache repo folder: ${dir}`);
  const blobs: Record<string, number> = {};
  const blobMtime = new Map<string, number>();
  for (const name of await listNames(join(dir, "blobs"))) {
    if (name.endsWith(".incomplete") || name.includes(".")) continue;
    const info = await Deno.lstat(join(dir, "blobs", name)).catch(() => null);
    if (!info?.isFile) continue;
    blobs[name] = info.size;
    blobMtime.set(name, info.mtime?.getTime() ?? 0);
  }
  const refs: Record<string, string> = {};
  for (const path of await walkFiles(join(dir, "refs"))) {
    if (/\.[0-9a-f]{8}\.tmp$/.test(path)) continue; // a ref being written
    const commit = (await Deno.readTextFile(path).catch(() => "")).trim();
    if (commit) refs[relative(join(dir, "refs"), path).split(sep).join("/")] = commit;
  }
  const revisions: CachedRevision[] = [];
  let copyBytes = 0;
  for (const commit of await listNames(join(dir, "snapshots"))) {
    const snap = join(dir, "snapshots", commit);
    const info = await Deno.stat(snap).catch(() => null);
    if (!info?.isDirectory) continue;
    const used = new Set<string>();
    let files = 0;
    // where symlinks are unavailable, snapshot files are copies: their own bytes count
    let copies = 0;
    for (const file of await walkFiles(snap)) {
      if (file.endsWith(".tmp")) continue;
      files++;
      const blob = await blobOf(file);
      if (blob !== null) used.add(blob);
      else copies += (await Deno.lstat(file).catch(() => null))?.size ?? 0;
    }
    copyBytes += copies;
    const present = [...used].filter((b) => b in blobs);
    const latest = Math.max(0, ...present.map((b) => blobMtime.get(b) ?? 0));
    revisions.push({
      commit,
      refs: Object.keys(refs).filter((r) => refs[r] === commit).sort(),
      files,
      size: present.reduce((sum, b) => sum + blobs[b], copies),
      lastModified: latest > 0 ? new Date(latest).toISOString() : null,
      blobs: [...used].sort(),
      createdMs: (info.birthtime ?? info.mtime)?.getTime() ?? 0,
    });
  }
  const latest = Math.max(0, ...blobMtime.values());
  return {
    ...parsed,
    dir,
    size: Object.values(blobs).reduce((a, b) => a + b, copyBytes),
    blobs,
    refs,
    revisions: revisions.sort((a, b) => b.createdMs - a.createdMs),
    lastModified: latest > 0 ? new Date(latest).toISOString() : null,
  };
}

/** The blob a snapshot file points at (symlink into `blobs/`), or null for a plain file. */
async function blobOf(file: string): Promise<string | null> {
  try {
    const target = await Deno.readLink(file);
    const name = basename(target);
    return target.split(/[\\/]/).includes("blobs") ? name : null;
  } catch {
    return null;
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

/** Regular files and symlinks under `dir`, recursively (none when it does not exist). */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await walkFiles(path));
    else out.push(path);
  }
  return out;
}
