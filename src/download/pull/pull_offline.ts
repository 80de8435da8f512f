/**
 * `HF_HUB_OFFLINE=1`: a pull that makes no hub request at all. The revision resolves through
 * the cache's `refs/` (or is a commit), the listing comes from huggingface_hub's tree cache of
 * that commit (else from the snapshot on disk), and the pull succeeds when every wanted file is
 * there with its size; otherwise it fails `offline_missing`, naming what is missing.
 *
 * @example
 * ```ts
 * const report = await pullOffline(request, source, ctx); // never touches the network
 * ```
 * @module
 */
import { join, relative, resolve } from "node:path";
import { NightpullError } from "../../errors.ts";
import { hfCacheRepo, readRef, snapshotFilePath } from "../layout/hf_cache.ts";
import { type HubFile, SHA1_HEX } from "../hub/hub_file.ts";
import { localDirStateDir } from "../part/file_lock.ts";
import { selectFiles } from "./pull_plan.ts";
import { resolveInside } from "../layout/safe_path.ts";
import type { Source } from "../source/source.ts";
import { readTreeCache } from "../hub/tree_cache.ts";
import type { PullContext, PullReport, PullRequest } from "./pull_types.ts";

type HubSource = Extract<Source, { kind: "hf" }>;

const SHOWN = 10;

function missing(message: string, details: Record<string, unknown>): NightpullError {
  return new NightpullError(
    "offline_missing",
    `${message}; pull it once online, or unset HF_HUB_OFFLINE`,
    details,
  );
}

/** Where an offline pull finds the commit's files. */
interface OfflinePlace {
  commit: string;
  /** The snapshot folder or local dir the files are under. */
  base: string;
  /** Where huggingface_hub's tree cache of the commit is. */
  treeFolder: string;
  /** The local path of a repo path. */
  pathOf: (path: string) => string;
}

/** Pulls `source` from what is on disk only; see the module doc. */
export async function pullOffline(
  request: PullRequest,
  source: HubSource,
  ctx: PullContext,
): Promise<PullReport> {
  const name = `${source.repoId}@${source.revision}`;
  const { commit, base, treeFolder, pathOf } = (request.layout ?? "hf-cache") === "hf-cache"
    ? await hfCachePlace(request, source, ctx)
    : await localDirPlace(request, source);
  const cached = await readTreeCache(treeFolder, commit);
  const listing = cached ?? await filesUnder(base, "");
  const selected = selectOffline(request, listing, cached !== null, name);
  const absent = await absentFiles(selected, pathOf, cached !== null);
  if (absent.length > 0 || selected.length === 0) {
    const list = absent.slice(0, SHOWN).map((p) => JSON.stringify(p)).join(", ") +
      (absent.length > SHOWN ? ` and ${absent.length - SHOWN} more` : "");
    throw missing(
      selected.length === 0
        ? `HF_HUB_OFFLINE is set and nothing of ${name} is on disk`
        : `HF_HUB_OFFLINE is set and ${absent.length} of ${selected.length} wanted files of ${name} are not on disk: ${list}`,
      { repo: source.repoId, revision: source.revision, commit, paths: absent },
    );
  }
  if (request.dryRun) return offlineDryRun(request.source, commit, selected);
  for (const file of selected) {
    ctx.onEvent?.({ type: "file", path: file.path, status: "skipped", bytes: file.size });
  }
  return {
    source: request.source,
    commit,
    files: { total: selected.length, done: 0, skipped: selected.length },
    bytes: 0,
    paths: selected.map((f) => pathOf(f.path)),
  };
}

/** The hf cache: the revision through `refs/` (or a commit itself), files in its snapshot. */
async function hfCachePlace(
  request: PullRequest,
  source: HubSource,
  ctx: PullContext,
): Promise<OfflinePlace> {
  const repo = hfCacheRepo(
    resolve(request.dir ?? ctx.config.hubCache),
    source.repoType,
    source.repoId,
  );
  const found = SHA1_HEX.test(source.revision)
    ? source.revision
    : await readRef(repo, source.revision);
  if (!found || !SHA1_HEX.test(found)) {
    throw missing(
      `HF_HUB_OFFLINE is set and the cache at ${repo.dir} has no revision ${
        JSON.stringify(source.revision)
      } of ${source.repoId}`,
      { repo: source.repoId, revision: source.revision, paths: [] },
    );
  }
  return {
    commit: found,
    base: join(repo.dir, "snapshots", found),
    treeFolder: repo.dir,
    pathOf: (path) => snapshotFilePath(repo, found, path),
  };
}

/** A local dir: the commit its huggingface_hub records name. */
async function localDirPlace(request: PullRequest, source: HubSource): Promise<OfflinePlace> {
  const dir = resolve(request.dir!);
  const found = await localDirCommit(dir, source.revision);
  if (!found) {
    throw missing(
      `HF_HUB_OFFLINE is set and ${dir} holds no huggingface_hub records ` +
        "(.cache/huggingface/download/*.metadata) telling which commit it has",
      { repo: source.repoId, revision: source.revision, paths: [] },
    );
  }
  return {
    commit: found,
    base: dir,
    treeFolder: join(dir, ".cache", "huggingface"),
    pathOf: (path) => resolveInside(dir, path),
  };
}

/** The request's selection; without the commit's listing a named path may just be absent. */
function selectOffline(
  request: PullRequest,
  listing: HubFile[],
  listed: boolean,
  name: string,
): HubFile[] {
  try {
    return selectFiles(listing, request.include, request.exclude, request.paths);
  } catch (err) {
    if (listed || (err as NightpullError).code !== "entry_not_found") throw err;
    const paths = ((err as NightpullError).details?.paths ?? []) as string[];
    throw missing(`HF_HUB_OFFLINE is set and ${name} lacks ${paths.join(", ")} on disk`, {
      paths,
    });
  }
}

/** Selected files not on disk (or, with the commit's listing, of another size). */
async function absentFiles(
  selected: HubFile[],
  pathOf: (path: string) => string,
  sized: boolean,
): Promise<string[]> {
  const absent: string[] = [];
  for (const file of selected) {
    try {
      const info = await Deno.stat(pathOf(file.path));
      if (!info.isFile || (sized && info.size !== file.size)) absent.push(file.path);
    } catch {
      absent.push(file.path);
    }
  }
  return absent;
}

function offlineDryRun(source: string, commit: string, selected: HubFile[]): PullReport {
  const files = selected.map((f) => ({ path: f.path, size: f.size, action: "present" as const }));
  const bytes = selected.reduce((sum, f) => sum + f.size, 0);
  const count = { files: files.length, bytes };
  const none = { files: 0, bytes: 0 };
  const plan = {
    source,
    commit,
    files,
    totals: { ...count, present: count, fetch: none, repair: none },
  };
  return {
    source,
    commit,
    files: { total: files.length, done: 0, skipped: 0 },
    bytes: 0,
    paths: [],
    plan,
  };
}

/** The commit a local dir holds: a commit revision itself, else the newest record's commit. */
async function localDirCommit(dir: string, revision: string): Promise<string | null> {
  if (SHA1_HEX.test(revision)) return revision;
  let best: { commit: string; stamp: number } | null = null;
  const root = localDirStateDir(dir);
  for (const path of await filesUnder(root, "")) {
    if (!path.path.endsWith(".metadata")) continue;
    try {
      const [commit, , stamp] = (await Deno.readTextFile(join(root, path.path))).split("\n");
      if (SHA1_HEX.test(commit.trim()) && (!best || Number(stamp) > best.stamp)) {
        best = { commit: commit.trim(), stamp: Number(stamp) };
      }
    } catch {
      // unreadable record: ignore it
    }
  }
  return best?.commit ?? null;
}

/** Regular files (or links to them) under `root`, as listing entries with their sizes. */
async function filesUnder(root: string, prefix: string): Promise<HubFile[]> {
  const out: HubFile[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(root, prefix)));
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (!prefix && entry.name === ".cache") continue;
    if (entry.isDirectory) {
      out.push(...await filesUnder(root, rel));
      continue;
    }
    try {
      const info = await Deno.stat(join(root, rel));
      if (info.isFile) {
        out.push({ path: relative(root, join(root, rel)), size: info.size, oid: "" });
      }
    } catch {
      out.push({ path: rel, size: 0, oid: "" }); // a dangling link: listed, and found missing
    }
  }
  return out;
}
