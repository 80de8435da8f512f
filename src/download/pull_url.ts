/**
 * Pulling a plain URL into `<downloads dir>/<filename>`. Before any body is fetched, a HEAD
 * learns the file name (Content-Disposition) and the ETag; a manifest record of the same URL
 * with the same ETag, and the file intact on disk, skips the download. HEAD rather than a
 * conditional GET because the name must be known before the target path is, and because
 * servers and CDNs honour HEAD far more consistently than `If-None-Match` across redirects.
 * With an expected `sha256`, a matching intact record skips without any request at all.
 *
 * @example
 * ```ts
 * await pullUrl({ source: url.href, sha256 }, url, ctx);
 * ```
 * @module
 */
import { dirname, resolve } from "node:path";
import { resolveHfToken } from "../config.ts";
import { type ErrorCode, NightpullError } from "../errors.ts";
import { metrics } from "../metrics.ts";
import { USER_AGENT } from "../version.ts";
import { allManifestEntries, type ManifestEntry, putManifestEntry } from "../store/manifest.ts";
import { filenameFromResponse } from "./content_disposition.ts";
import { ensureFreeSpace } from "./disk_space.ts";
import { fetchFile } from "./fetcher.ts";
import { chainLimiters } from "./rate_limiter.ts";
import { type PullContext, pullRateLimits, type PullReport, type PullRequest } from "./pull.ts";
import { resumableBytes } from "./resume_point.ts";
import { normalizeEtag } from "./remote_file.ts";
import { resolveInside, safeFileName } from "./safe_path.ts";
import { TransferMeter } from "./transfer_meter.ts";

/** What a HEAD told about a URL; null fields are unknown. */
export interface UrlProbe {
  size: number | null;
  /** Unquoted, as the fetcher records it. */
  etag: string | null;
  contentDisposition: string | null;
}

const MAX_REDIRECTS = 10;

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
 * HEAD with redirects followed by hand, so an Authorization header never follows a redirect
 * to another origin. Null when the server does not answer HEAD usefully (the GET decides).
 */
export async function probeUrl(
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<UrlProbe | null> {
  let current = url;
  let sendHeaders = headers;
  let linked: string | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      res = await fetch(current, {
        method: "HEAD",
        headers: { ...sendHeaders, "user-agent": USER_AGENT },
        redirect: "manual",
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      return null; // unreachable for HEAD: let the GET (with its retries) find out
    }
    await res.body?.cancel();
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      // Like the fetcher: the first origin's X-Linked-Etag names the content behind a CDN.
      if (current.origin === url.origin) {
        linked = res.headers.get("x-linked-etag") ?? res.headers.get("etag") ?? linked;
      }
      const next = new URL(location, current);
      if (next.origin !== current.origin) sendHeaders = {};
      current = next;
      continue;
    }
    if ([401, 403, 404, 410].includes(res.status)) throw urlHttpError(res, url);
    if (!res.ok) return null;
    const length = res.headers.get("content-length");
    return {
      size: length !== null && /^\d+$/.test(length) ? Number(length) : null,
      etag: normalizeEtag(linked ?? res.headers.get("etag")) ?? null,
      contentDisposition: res.headers.get("content-disposition"),
    };
  }
  return null;
}

async function intactSize(path: string): Promise<number | null> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : null;
  } catch {
    return null;
  }
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
  const known = await allManifestEntries(kv, sourceKey);
  let filename = request.filename === undefined ? undefined : safeFileName(request.filename);

  const skip = (entry: ManifestEntry): PullReport => {
    ctx.onEvent?.({
      type: "plan",
      commit: null,
      files: [{ path: entry.path, size: entry.size, skip: true }],
    });
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
      if (placeOk && entry.sha256 === wantSha && await intactSize(entry.localPath) === entry.size) {
        return skip(entry);
      }
    }
  }

  const endpointOrigin = new URL(config.hfEndpoint).origin;
  const token = url.origin === endpointOrigin
    ? resolveHfToken(config, ctx.env ?? Deno.env.toObject())
    : undefined;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const probe = await probeUrl(url, headers, signal);
  filename ??= filenameFromResponse(url, probe?.contentDisposition ?? null);
  const localPath = resolveInside(dir, filename);
  const entry = known.find((e) => e.localPath === localPath);
  if (
    entry && probe?.etag && entry.etag === probe.etag &&
    (probe.size === null || probe.size === entry.size) &&
    (!wantSha || entry.sha256 === wantSha) &&
    await intactSize(localPath) === entry.size
  ) {
    return skip(entry);
  }

  ctx.onEvent?.({
    type: "plan",
    commit: null,
    files: [{ path: filename, size: probe?.size ?? null, skip: false }],
  });
  const name = filename;
  const partPath = `${localPath}.part`;
  const present = await resumableBytes(partPath);
  // an unknown size cannot be weighed: only the reserve is checked then
  const needed = probe?.size != null ? Math.max(0, probe.size - present) : 0;
  await ensureFreeSpace({ path: dir, needed, reserve: config.minFree });
  ctx.onEvent?.({ type: "progress", path: name, bytes: present, total: probe?.size ?? null });
  const meter = new TransferMeter(present);
  let result;
  try {
    result = await fetchFile({
      url: url.href,
      headers,
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
  await putManifestEntry(kv, {
    source: sourceKey,
    path: filename,
    localPath,
    commit: null,
    revision: null,
    size: result.size,
    sha256: result.sha256,
    etag: result.etag ?? probe?.etag ?? null,
    layout: "url",
    downloadedAt: new Date().toISOString(),
  });
  ctx.onEvent?.({ type: "file", path: filename, status: "done", bytes: result.size });
  ctx.logger?.info("pull.file", {
    source: sourceKey,
    path: filename,
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
