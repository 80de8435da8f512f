/**
 * The huggingface_hub cache layout, so `transformers` and `huggingface_hub` find our files
 * offline: `<cache>/{models|datasets|spaces}--org--name/` with `blobs/<etag>` (content, named
 * by the LFS sha256 or the git blob sha1), `snapshots/<commit>/<path>` as a relative symlink to
 * the blob, and `refs/<revision>` holding the commit. Partial blobs are named in part_paths.ts.
 *
 * @example
 * ```ts
 * const repo = hfCacheRepo("/home/me/.cache/huggingface/hub", "model", "acme/tiny-model");
 * await linkSnapshotFile(repo, commit, "sub/config.json", etag);
 * await writeRef(repo, "main", commit);
 * ```
 * @module
 */
import { dirname, join, relative, resolve, sep as SEP } from "node:path";
import { NightpullError, osWriteError } from "../../errors.ts";
import { writeCacheDirTag } from "./cachedir_tag.ts";
import { renameOrDiscard } from "../part/part_file.ts";
import { type RepoType, repoTypePlural } from "../source/source.ts";

/** One repository's folder inside the hub cache. */
export interface HfCacheRepo {
  /** `<cache>/models--org--name`. */
  dir: string;
}

// Commits and etags become path components, so they must be plain hex: anything else from a
// server is refused rather than trusted.
const HEX_NAME = /^[0-9a-f]{7,64}$/;

/** huggingface_hub's `repo_folder_name`: `models--org--name`, `datasets--org--name`, ... */
export function repoFolderName(repoType: RepoType, repoId: string): string {
  return [repoTypePlural(repoType), ...repoId.split("/")].join("--");
}

/** The cache folder of one repository under the hub cache root. */
export function hfCacheRepo(cacheRoot: string, repoType: RepoType, repoId: string): HfCacheRepo {
  return { dir: join(cacheRoot, repoFolderName(repoType, repoId)) };
}

function assertHex(kind: string, value: string): void {
  if (!HEX_NAME.test(value)) {
    throw new NightpullError(
      "unsafe_path",
      `refusing ${kind} "${value}" from the hub: expected 7 to 64 lower-case hex characters`,
      { [kind]: value },
    );
  }
}

/** `blobs/<etag>`: where the content of a file lives. */
export function blobPath(repo: HfCacheRepo, etag: string): string {
  assertHex("etag", etag);
  const dir = normalDir(repo);
  return SEP === "/" && dir !== "." ? `${dir}/blobs/${etag}` : join(repo.dir, "blobs", etag);
}

const normalDirs = new WeakMap<HfCacheRepo, string>();
const PLAIN_PATH = /^(?!\.{1,2}(?:\/|$))(?:[^/]+\/(?!\.{1,2}(?:\/|$)))*[^/]+$/;

/**
 * `join(repo.dir)`, worked out once per repo: the paths of 100,000 files are then plain
 * concatenations, equal to what `join` gives, instead of 100,000 normalizations.
 */
function normalDir(repo: HfCacheRepo): string {
  let dir = normalDirs.get(repo);
  if (dir === undefined) {
    dir = join(repo.dir).replace(/\/+$/, "");
    normalDirs.set(repo, dir);
  }
  return dir;
}

/**
 * `blobs/<etag>.incomplete`: the part name of earlier nightpull versions (and of huggingface_hub
 * before 1.18, which adopts a full-size one unhashed): only ever adopted, never written.
 */
export function incompleteBlobPath(repo: HfCacheRepo, etag: string): string {
  return blobPath(repo, etag) + ".incomplete";
}

/** `snapshots/<commit>/<path>`; `relPath` must already be sanitized (see safe_path.ts). */
export function snapshotFilePath(repo: HfCacheRepo, commit: string, relPath: string): string {
  assertHex("commit", commit);
  // a plain relative path (no empty, "." or ".." part) joins as it is
  const dir = normalDir(repo);
  if (SEP === "/" && dir !== "." && PLAIN_PATH.test(relPath)) {
    return `${dir}/snapshots/${commit}/${relPath}`;
  }
  return join(repo.dir, "snapshots", commit, ...relPath.split("/"));
}

/** The symlink huggingface_hub writes: relative, `../../blobs/<etag>` plus `../` per folder. */
export function snapshotLinkTarget(
  repo: HfCacheRepo,
  commit: string,
  relPath: string,
  etag: string,
): string {
  return relative(dirname(snapshotFilePath(repo, commit, relPath)), blobPath(repo, etag));
}

const symlinkSupport = new Map<string, Promise<boolean>>();

/**
 * Whether relative symlinks can be made under `cacheRoot` (not on exFAT, some SMB/FUSE mounts,
 * Windows without developer mode). Probed once per folder with a throw-away link, as
 * huggingface_hub's `are_symlinks_supported` does.
 */
export function symlinksSupported(cacheRoot: string): Promise<boolean> {
  const key = resolve(cacheRoot);
  let known = symlinkSupport.get(key);
  if (!known) {
    known = probeSymlinks(key);
    symlinkSupport.set(key, known);
  }
  return known;
}

async function probeSymlinks(dir: string): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true });
  const probe = await Deno.makeTempDir({ dir, prefix: ".symlink-probe-" }).catch((err) => {
    throw osWriteError(err, dir) ?? err; // its message names no path
  });
  try {
    await Deno.writeFile(join(probe, "src"), new Uint8Array());
    await Deno.symlink("src", join(probe, "dst"));
    return true;
  } catch {
    return false;
  } finally {
    await Deno.remove(probe, { recursive: true }).catch(() => {});
  }
}

/**
 * Exposes `blobs/<etag>` as `snapshots/<commit>/<relPath>`: a relative symlink, or with
 * `copy` (symlinks disabled or unsupported) a copy of the blob, as huggingface_hub falls back.
 * Either is made under a temporary name and renamed over the old one, so a reader never sees
 * the path missing or half-made.
 */
export async function linkSnapshotFile(
  repo: HfCacheRepo,
  commit: string,
  relPath: string,
  etag: string,
  options: { copy?: boolean } = {},
): Promise<string> {
  if (options.copy) return await copySnapshotFile(repo, commit, relPath, etag);
  const link = snapshotFilePath(repo, commit, relPath);
  const target = snapshotLinkTarget(repo, commit, relPath, etag);
  await ensureRepoFolders(repo);
  // Nothing there yet (a fresh pull): the link is made under its own name at once; a reader
  // sees it absent or whole all the same. Its folder is made when the link says it is missing.
  if (symlinkIfAbsent(target, link)) return link;
  try {
    // Already linked (a re-pull), nothing to write.
    if (Deno.readLinkSync(link) === target) return link;
  } catch {
    // a plain file (or gone again): replace it below
  }
  await Deno.mkdir(dirname(link), { recursive: true });
  // A short temporary name beside the link: a legal 255-byte file name plus a suffix is not.
  const temp = join(dirname(link), `.nightpull-${crypto.randomUUID().slice(0, 8)}.tmp`);
  await Deno.symlink(target, temp);
  await renameOrDiscard(temp, link);
  return link;
}

/** Makes `link`; false when something is there already (then it is replaced with a rename). */
function symlinkIfAbsent(target: string, link: string): boolean {
  for (let round = 0;; round++) {
    try {
      Deno.symlinkSync(target, link); // a metadata step: cheaper than an async op's hop
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      if (!(err instanceof Deno.errors.NotFound) || round > 0) throw err;
      Deno.mkdirSync(dirname(link), { recursive: true });
    }
  }
}

async function copySnapshotFile(
  repo: HfCacheRepo,
  commit: string,
  relPath: string,
  etag: string,
): Promise<string> {
  const path = snapshotFilePath(repo, commit, relPath);
  const blob = blobPath(repo, etag);
  try {
    // A path of one commit always holds the same content: a full-size copy is that content.
    const [have, want] = await Promise.all([Deno.lstat(path), Deno.stat(blob)]);
    if (have.isFile && have.size === want.size) return path;
  } catch {
    // absent (or no blob, which the copy below reports)
  }
  await ensureRepoFolders(repo);
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.copyFile(blob, temp);
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  return path;
}

/**
 * Records `refs/<revision>` = commit, as huggingface_hub does: only when the revision is not
 * the commit itself, only when the content changes, written atomically (temp file + rename).
 */
export async function writeRef(repo: HfCacheRepo, revision: string, commit: string) {
  assertHex("commit", commit);
  if (revision === commit) {
    await makeRepoFolders(repo);
    return;
  }
  const parts = revision.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..") || /[\\\0]/.test(revision)) {
    throw new NightpullError("unsafe_path", `refusing revision "${revision}" as a ref file name`);
  }
  const ref = join(repo.dir, "refs", ...parts);
  try {
    if (await Deno.readTextFile(ref) === commit) return;
  } catch {
    // no ref yet
  }
  await makeRepoFolders(repo);
  await Deno.mkdir(dirname(ref), { recursive: true });
  const temp = join(dirname(ref), `.nightpull-${crypto.randomUUID().slice(0, 8)}.tmp`);
  await Deno.writeTextFile(temp, commit);
  await Deno.rename(temp, ref);
}

/** The commit a cached `refs/<revision>` points at, or null when there is none. */
export async function readRef(repo: HfCacheRepo, revision: string): Promise<string | null> {
  try {
    return (await Deno.readTextFile(join(repo.dir, "refs", ...revision.split("/")))).trim();
  } catch {
    return null;
  }
}

// huggingface_hub creates refs/ only with a ref in it, but @huggingface/hub's scanCacheDir
// stats refs/ unconditionally; an empty refs/ satisfies both.
const ensuredAt = new Map<string, number>();
/** How long folders made by {@link ensureRepoFolders} are taken to still be there. */
const ENSURED_MS = 1000;

/**
 * The repo's folders and the cache's CACHEDIR.TAG, made at most once a second per repo: a pull
 * linking thousands of files does not re-make them for each.
 */
async function ensureRepoFolders(repo: HfCacheRepo): Promise<void> {
  const now = Date.now();
  if (now - (ensuredAt.get(repo.dir) ?? -Infinity) < ENSURED_MS) return;
  await makeRepoFolders(repo);
  if (ensuredAt.size > 1000) ensuredAt.clear();
  ensuredAt.set(repo.dir, now);
}

async function makeRepoFolders(repo: HfCacheRepo): Promise<void> {
  await Deno.mkdir(join(repo.dir, "blobs"), { recursive: true });
  await writeCacheDirTag(dirname(repo.dir));
  await Deno.mkdir(join(repo.dir, "refs"), { recursive: true });
  await Deno.mkdir(join(repo.dir, "snapshots"), { recursive: true });
}
