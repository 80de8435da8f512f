/**
 * Pulling a plain URL into `<downloads dir>/<filename>`. Before any body is fetched, a HEAD
 * learns the file name (Content-Disposition) and the ETag; a manifest record of the same URL
 * with the same ETag, and the file intact on disk, skips the download. HEAD rather than a
 * conditional GET because the name must be known before the target path is, and because
 * servers and CDNs honour HEAD far more consistently than `If-None-Match` across redirects.
 * With an expected `sha256`, a matching intact record skips without any request at all.
 * "Intact" means the file's stamp (size, mtime, inode) is the recorded one, or its bytes hash
 * to the recorded SHA-256. The target name is claimed under its lock (url_target.ts): a name
 * written by another URL is never "present" for this one, which gets `name (2).ext` instead.
 *
 * @example
 * ```ts
 * await pullUrl({ source: url.href, sha256 }, url, ctx);
 * ```
 * @module
 */
import { dirname, resolve } from "node:path";
import { resolveHfToken } from "../../hf_env.ts";
import { metrics } from "../../metrics.ts";
import { allManifestEntries, type ManifestEntry, putManifestEntry } from "../../store/manifest.ts";
import { filenameFromResponse } from "../net/content_disposition.ts";
import { ensureFreeSpace } from "../layout/disk_space.ts";
import { fetchFile, type FetchFileResult } from "../transfer/fetcher.ts";
import { probeUrl, urlHttpError, type UrlProbe } from "./url_probe.ts";
import { outboundCheck } from "../net/outbound_guard.ts";
import { chainLimiters } from "../transfer/rate_limiter.ts";
import type { PullContext, PullReport, PullRequest } from "./pull_types.ts";
import { pullRateLimits } from "./pull_signals.ts";
import { resumableBytes } from "../part/resume_point.ts";
import { resolveInside, safeFileName } from "../layout/safe_path.ts";
import { lockWaitMessage } from "../part/file_lock.ts";
import { type FileStamp, fileStamp, sameStamp } from "./known_files.ts";
import { adoptLegacyPart } from "../layout/leftover_parts.ts";
import { urlPartPath } from "../part/part_paths.ts";
import { type SymlinkGuard, symlinkGuard } from "../layout/symlink_guard.ts";
import { claimUrlTarget, recordUrlOwner, type UrlTarget } from "../layout/url_target.ts";
import { hashFile } from "../verify/verify.ts";
import { TransferMeter } from "../transfer/transfer_meter.ts";

/**
 * The record's file is still the verified one: its stamp is unchanged, or (stamp changed, or
 * `verify`) its bytes hash to the recorded SHA-256. The stamp of a re-hashed file is returned.
 */
async function intact(entry: ManifestEntry, verify: boolean, signal?: AbortSignal) {
  const stamp = await fileStamp(entry.localPath);
  if (!stamp || stamp.size !== entry.size) return undefined;
  if (!verify && sameStamp(entry, stamp)) return stamp;
  const hashes = await hashFile(entry.localPath, signal).catch(() => undefined);
  return hashes?.sha256 === entry.sha256 && hashes.size === entry.size ? stamp : undefined;
}

/** Tells the one file of a URL pull as skipped, refreshing its record's stamp if it moved. */
async function skipUrl(
  request: PullRequest,
  ctx: PullContext,
  entry: ManifestEntry,
  stamp: FileStamp,
): Promise<PullReport> {
  ctx.onEvent?.({
    type: "plan",
    commit: null,
    files: [{ path: entry.path, size: entry.size, skip: true }],
  });
  if (!sameStamp(entry, stamp)) {
    await putManifestEntry(ctx.kv, { ...entry, mtimeMs: stamp.mtimeMs, ino: stamp.ino });
  }
  metrics.filesSkipped.inc();
  ctx.onEvent?.({ type: "file", path: entry.path, status: "skipped", bytes: entry.size });
  return {
    source: request.source,
    commit: null,
    files: { total: 1, done: 0, skipped: 1 },
    bytes: 0,
    paths: [entry.localPath],
  };
}

/**
 * With an expected sha256, a record of that content at the wanted place (the named file, or
 * any file of the folder), still intact, answers without any request.
 */
async function intactBySha(
  request: PullRequest,
  dir: string,
  filename: string | undefined,
  known: ManifestEntry[],
  signal?: AbortSignal,
): Promise<{ entry: ManifestEntry; stamp: FileStamp } | undefined> {
  const wantSha = request.sha256?.toLowerCase();
  if (!wantSha) return undefined;
  const named = filename === undefined ? undefined : resolveInside(dir, filename);
  for (const entry of known) {
    const placeOk = named === undefined
      ? dirname(entry.localPath) === dir
      : entry.localPath === named;
    if (!placeOk || entry.sha256 !== wantSha) continue;
    const stamp = await intact(entry, request.verify === "always", signal);
    if (stamp) return { entry, stamp };
  }
  return undefined;
}

/** Authorization only for the hub endpoint's own origin (a URL on it gets the HF token). */
function urlHeaders(url: URL, ctx: PullContext): Record<string, string> {
  const { config } = ctx;
  const token = url.origin === new URL(config.hfEndpoint).origin
    ? resolveHfToken(config, ctx.env ?? Deno.env.toObject())
    : undefined;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Pulls one URL; see the module doc for when the body is skipped. */
export async function pullUrl(
  request: PullRequest,
  url: URL,
  ctx: PullContext,
): Promise<PullReport> {
  const { config, kv, signal } = ctx;
  const dir = resolve(request.dir ?? config.downloadsDir);
  const sourceKey = url.href;
  // a bad name is refused before any request
  const named = request.filename === undefined ? undefined : safeFileName(request.filename);
  const known = await allManifestEntries(kv, sourceKey);
  const bySha = await intactBySha(request, dir, named, known, signal);
  if (bySha) return await skipUrl(request, ctx, bySha.entry, bySha.stamp);

  const headers = urlHeaders(url, ctx);
  const checkUrl = outboundCheck(config);
  const probe = await probeUrl(url, headers, signal, checkUrl);
  const filename = named ?? filenameFromResponse(url, probe?.contentDisposition ?? null);
  // no write through a symlink someone else put below the downloads folder
  const guard = symlinkGuard(dir);
  await guard.check(urlPartPath(dir, url.href, filename), { leaf: true });
  await guard.check(resolveInside(dir, filename));
  const target = await claimUrlTarget(dir, filename, sourceKey, known, {
    signal,
    onWait: () => {
      const message = lockWaitMessage(filename);
      ctx.onEvent?.({ type: "waiting", path: filename, message });
      ctx.logger?.info("file.lock_wait", { source: sourceKey, path: filename, message });
    },
  });
  try {
    const fetch: UrlFetch = { request, url, ctx, target, probe, headers, checkUrl, guard };
    return await fetchUrlTarget(fetch, known);
  } finally {
    await target.lock.release();
  }
}

interface UrlFetch {
  request: PullRequest;
  url: URL;
  ctx: PullContext;
  target: UrlTarget;
  probe: UrlProbe | null;
  headers: Record<string, string>;
  /** The outbound allow-list check, for every URL the fetch reaches. */
  checkUrl: (url: URL) => Promise<void> | void;
  guard: SymlinkGuard;
}

/** With the target claimed (its lock held): skip it when present, else fetch and record it. */
async function fetchUrlTarget(f: UrlFetch, known: ManifestEntry[]): Promise<PullReport> {
  const { request, ctx, target, probe } = f;
  const wantSha = request.sha256?.toLowerCase();
  const entry = known.find((e) => e.localPath === target.localPath);
  const sameRemote = entry !== undefined && probe?.etag && entry.etag === probe.etag &&
    (probe.size === null || probe.size === entry.size) && (!wantSha || entry.sha256 === wantSha);
  const stamp = entry && await intact(entry, request.verify === "always", ctx.signal);
  if (sameRemote && stamp) return await skipUrl(request, ctx, entry, stamp);
  const repairing = entry !== undefined && stamp === undefined && await exists(target.localPath);
  const partPath = await prepareUrlPart(f);
  const result = await transferUrl(f, partPath);
  await recordUrlFile(f, result);
  if (repairing && entry.sha256 === result.sha256) {
    metrics.filesRepaired.inc();
    ctx.logger?.warn("file.repaired", {
      source: f.url.href,
      path: target.name,
      message: `${target.name} had changed on disk; downloaded and verified again`,
    });
  }
  return {
    source: request.source,
    commit: null,
    files: { total: 1, done: 1, skipped: 0 },
    bytes: result.bytesTransferred,
    paths: [target.localPath],
  };
}

/** Tells the plan, guards and adopts the part, records the owner, checks space; the part path. */
async function prepareUrlPart({ request, url, ctx, target, probe, guard }: UrlFetch) {
  const wantSha = request.sha256?.toLowerCase();
  const { localPath, name } = target;
  ctx.onEvent?.({
    type: "plan",
    commit: null,
    files: [{ path: name, size: probe?.size ?? null, skip: false }],
  });
  const partPath = urlPartPath(target.dir, url.href, name);
  await guard.check(partPath, { leaf: true });
  await guard.check(localPath);
  await adoptLegacyPart(`${localPath}.part`, partPath, wantSha ? { sha256: wantSha } : {}, {
    proven: true,
  });
  await recordUrlOwner(target);
  const present = await resumableBytes(partPath);
  // an unknown size cannot be weighed: only the reserve is checked then
  const needed = probe?.size != null ? Math.max(0, probe.size - present) : 0;
  await ensureFreeSpace({ path: target.dir, needed, reserve: ctx.config.minFree });
  ctx.onEvent?.({ type: "progress", path: name, bytes: present, total: probe?.size ?? null });
  return partPath;
}

async function transferUrl(f: UrlFetch, partPath: string): Promise<FetchFileResult> {
  const { request, url, ctx, target, probe, guard } = f;
  const { config, signal } = ctx;
  const wantSha = request.sha256?.toLowerCase();
  const name = target.name;
  const meter = new TransferMeter(await resumableBytes(partPath));
  try {
    const result = await fetchFile({
      url: url.href,
      headers: f.headers,
      checkUrl: f.checkUrl,
      guardPath: (path, options) => guard.check(path, options),
      partPath,
      finalPath: target.localPath,
      expected: wantSha ? { sha256: wantSha } : {},
      connections: request.connections ?? config.connections,
      signal,
      limiter: chainLimiters(ctx.limiters ?? []),
      ...(config.downloadTimeoutMs ? { stallTimeoutMs: config.downloadTimeoutMs } : {}),
      onProgress: (bytes, total) => {
        meter.progress(bytes);
        ctx.onEvent?.({ type: "progress", path: name, bytes, total: total ?? probe?.size ?? null });
      },
      mapHttpError: (res: Response) => urlHttpError(res, url),
      rateLimits: pullRateLimits(ctx, url.href, url.host),
    });
    meter.finished(result.bytesTransferred);
    return result;
  } catch (err) {
    meter.failed(err);
    throw err;
  }
}

/** The landed file's manifest record, its `file` event and its log line. */
async function recordUrlFile({ url, ctx, target, probe }: UrlFetch, result: FetchFileResult) {
  const { localPath, name } = target;
  const finalStamp = await fileStamp(localPath);
  await putManifestEntry(ctx.kv, {
    source: url.href,
    path: name,
    localPath,
    commit: null,
    revision: null,
    size: result.size,
    sha256: result.sha256,
    etag: result.etag ?? probe?.etag ?? null,
    layout: "url",
    downloadedAt: new Date().toISOString(),
    ...(finalStamp ? { mtimeMs: finalStamp.mtimeMs, ino: finalStamp.ino } : {}),
  });
  ctx.onEvent?.({ type: "file", path: name, status: "done", bytes: result.size });
  ctx.logger?.info("pull.file", {
    source: url.href,
    path: name,
    size: result.size,
    transferred: result.bytesTransferred,
    resumedFrom: result.resumedFrom,
  });
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
