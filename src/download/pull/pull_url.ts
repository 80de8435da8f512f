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
import { type ErrorCode, NightpullError } from "../../errors.ts";
import { metrics } from "../../metrics.ts";
import { allManifestEntries, type ManifestEntry, putManifestEntry } from "../../store/manifest.ts";
import { filenameFromResponse } from "../net/content_disposition.ts";
import { ensureFreeSpace } from "../layout/disk_space.ts";
import { fetchFile } from "../transfer/fetcher.ts";
import { fetchFollowing } from "../net/follow_redirects.ts";
import { outboundCheck } from "../net/outbound_guard.ts";
import { chainLimiters } from "../transfer/rate_limiter.ts";
import { type PullContext, pullRateLimits, type PullReport, type PullRequest } from "./pull.ts";
import { resumableBytes } from "../part/resume_point.ts";
import { normalizeEtag } from "../net/remote_file.ts";
import { resolveInside, safeFileName } from "../layout/safe_path.ts";
import { lockWaitMessage } from "../part/file_lock.ts";
import { type FileStamp, fileStamp, sameStamp } from "./known_files.ts";
import { adoptLegacyPart } from "../layout/leftover_parts.ts";
import { urlPartPath } from "../part/part_paths.ts";
import { type SymlinkGuard, symlinkGuard } from "../layout/symlink_guard.ts";
import { claimUrlTarget, recordUrlOwner, type UrlTarget } from "../layout/url_target.ts";
import { hashFile } from "../verify/verify.ts";
import { TransferMeter } from "../transfer/transfer_meter.ts";

/** What a HEAD told about a URL; null fields are unknown. */
export interface UrlProbe {
  size: number | null;
  /** Unquoted, as the fetcher records it. */
  etag: string | null;
  contentDisposition: string | null;
}

/**
 * Maps a failed answer for a URL onto a stable code with a message naming the URL (without
 * its query, which may carry a signature).
 */
export function urlHttpError(res: Response, url: URL): NightpullError {
  const shown = `${url.origin}${url.pathname}`;
  const table: [number[], ErrorCode, string][] = [
    [[401], "auth_required", "needs credentials"],
    [[403], "forbidden", "refused access (403)"],
    [[404, 410], "not_found", `was not found (${res.status}): check the URL`],
    [[416], "resume_not_supported", "refused the requested range (416)"],
    [[429], "rate_limited", "is rate limiting (429); try again later"],
  ];
  for (const [statuses, code, why] of table) {
    if (statuses.includes(res.status)) {
      return new NightpullError(code, `${shown} ${why}`, { url: shown, status: res.status });
    }
  }
  return new NightpullError(
    "upstream_error",
    `${shown} answered ${res.status} ${res.statusText}`.trim(),
    { url: shown, status: res.status },
  );
}

/**
 * HEAD under the one redirect policy (Authorization only to the URL's own origin, every hop
 * checked by `checkUrl`). Null when the server does not answer HEAD usefully (the GET decides).
 */
export async function probeUrl(
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
  checkUrl?: (url: URL) => Promise<void> | void,
): Promise<UrlProbe | null> {
  let linked: string | null = null;
  let res: Response;
  try {
    ({ response: res } = await fetchFollowing(url, {
      method: "HEAD",
      credentials: headers,
      signal,
      checkUrl,
      onRedirect: (redirect, from) => {
        // Like the fetcher: the first origin's X-Linked-Etag names the content behind a CDN.
        if (from.origin !== url.origin) return;
        linked = redirect.headers.get("x-linked-etag") ?? redirect.headers.get("etag") ?? linked;
      },
    }));
  } catch (err) {
    // a refused redirect or host is final; an unreachable HEAD is left to the GET's retries
    if (signal?.aborted || err instanceof NightpullError) throw err;
    return null;
  }
  await res.body?.cancel();
  if ([401, 403, 404, 410].includes(res.status)) throw urlHttpError(res, url);
  if (!res.ok) return null;
  const length = res.headers.get("content-length");
  return {
    size: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    etag: normalizeEtag(linked ?? res.headers.get("etag")) ?? null,
    contentDisposition: res.headers.get("content-disposition"),
  };
}

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

/** Pulls one URL; see the module doc for when the body is skipped. */
export async function pullUrl(
  request: PullRequest,
  url: URL,
  ctx: PullContext,
): Promise<PullReport> {
  const { config, kv, signal } = ctx;
  const dir = resolve(request.dir ?? config.downloadsDir);
  const sourceKey = url.href;
  const wantSha = request.sha256?.toLowerCase();
  const verify = request.verify === "always";
  const known = await allManifestEntries(kv, sourceKey);
  let filename = request.filename === undefined ? undefined : safeFileName(request.filename);

  const skip = async (entry: ManifestEntry, stamp: FileStamp): Promise<PullReport> => {
    ctx.onEvent?.({
      type: "plan",
      commit: null,
      files: [{ path: entry.path, size: entry.size, skip: true }],
    });
    if (!sameStamp(entry, stamp)) {
      await putManifestEntry(kv, { ...entry, mtimeMs: stamp.mtimeMs, ino: stamp.ino });
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
  };

  if (wantSha) {
    for (const entry of known) {
      const placeOk = filename === undefined
        ? dirname(entry.localPath) === dir
        : entry.localPath === resolveInside(dir, filename);
      if (!placeOk || entry.sha256 !== wantSha) continue;
      const stamp = await intact(entry, verify, signal);
      if (stamp) return await skip(entry, stamp);
    }
  }

  const endpointOrigin = new URL(config.hfEndpoint).origin;
  const token = url.origin === endpointOrigin
    ? resolveHfToken(config, ctx.env ?? Deno.env.toObject())
    : undefined;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const checkUrl = outboundCheck(config);
  const probe = await probeUrl(url, headers, signal, checkUrl);
  filename ??= filenameFromResponse(url, probe?.contentDisposition ?? null);
  const wanted = filename;
  // no write through a symlink someone else put below the downloads folder
  const guard = symlinkGuard(dir);
  await guard.check(urlPartPath(dir, url.href, filename), { leaf: true });
  await guard.check(resolveInside(dir, filename));
  const target = await claimUrlTarget(dir, filename, sourceKey, known, {
    signal,
    onWait: () => {
      const message = lockWaitMessage(wanted);
      ctx.onEvent?.({ type: "waiting", path: wanted, message });
      ctx.logger?.info("file.lock_wait", { source: sourceKey, path: wanted, message });
    },
  });
  try {
    return await fetchUrlTarget(request, url, ctx, {
      target,
      probe,
      headers,
      checkUrl,
      guard,
      known,
      skip,
    });
  } finally {
    await target.lock.release();
  }
}

interface UrlFetch {
  target: UrlTarget;
  probe: UrlProbe | null;
  headers: Record<string, string>;
  /** The outbound allow-list check, for every URL the fetch reaches. */
  checkUrl: (url: URL) => Promise<void> | void;
  guard: SymlinkGuard;
  known: ManifestEntry[];
  skip: (entry: ManifestEntry, stamp: FileStamp) => Promise<PullReport>;
}

/** With the target claimed (its lock held): skip it when present, else fetch and record it. */
async function fetchUrlTarget(
  request: PullRequest,
  url: URL,
  ctx: PullContext,
  { target, probe, headers, checkUrl, guard, known, skip }: UrlFetch,
): Promise<PullReport> {
  const { config, kv, signal } = ctx;
  const sourceKey = url.href;
  const wantSha = request.sha256?.toLowerCase();
  const { localPath, name } = target;
  const entry = known.find((e) => e.localPath === localPath);
  const sameRemote = entry !== undefined && probe?.etag && entry.etag === probe.etag &&
    (probe.size === null || probe.size === entry.size) && (!wantSha || entry.sha256 === wantSha);
  const stamp = entry && await intact(entry, request.verify === "always", signal);
  if (sameRemote && stamp) return await skip(entry, stamp);
  const repairing = entry !== undefined && stamp === undefined && await exists(localPath);

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
  await ensureFreeSpace({ path: target.dir, needed, reserve: config.minFree });
  ctx.onEvent?.({ type: "progress", path: name, bytes: present, total: probe?.size ?? null });
  const meter = new TransferMeter(present);
  let result;
  try {
    result = await fetchFile({
      url: url.href,
      headers,
      checkUrl,
      guardPath: (path, options) => guard.check(path, options),
      partPath,
      finalPath: localPath,
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
      rateLimits: pullRateLimits(ctx, sourceKey, url.host),
    });
  } catch (err) {
    meter.failed(err);
    throw err;
  }
  meter.finished(result.bytesTransferred);
  const finalStamp = await fileStamp(localPath);
  await putManifestEntry(kv, {
    source: sourceKey,
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
  if (repairing && entry.sha256 === result.sha256) {
    metrics.filesRepaired.inc();
    ctx.logger?.warn("file.repaired", {
      source: sourceKey,
      path: name,
      message: `${name} had changed on disk; downloaded and verified again`,
    });
  }
  ctx.logger?.info("pull.file", {
    source: sourceKey,
    path: name,
    size: result.size,
    transferred: result.bytesTransferred,
    resumedFrom: result.resumedFrom,
  });
  return {
    source: request.source,
    commit: null,
    files: { total: 1, done: 1, skipped: 0 },
    bytes: result.bytesTransferred,
    paths: [localPath],
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
