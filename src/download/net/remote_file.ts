/**
 * The remote side of one download: GETs (optionally ranged) that follow redirects by hand, so
 * the caller's headers (a hub token) reach only the original origin and never a CDN, and that
 * refresh an expired signed CDN URL (403 from another origin) once per request.
 *
 * @example
 * ```ts
 * const remote = new RemoteFile({ url, headers: { authorization: `Bearer ${token}` } });
 * const { response } = await remote.get({ start: 1024 }, signal); // Range: bytes=1024-
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { displayUrl, fetchFollowing } from "./follow_redirects.ts";

/** Options of {@link RemoteFile}. */
interface RemoteFileOptions {
  url: string;
  /** Sent only to the origin of `url`. */
  headers?: Record<string, string>;
  /** Gives a fresh URL when a signed URL on another origin has expired. */
  reresolve?: () => Promise<string>;
  /** Checks every URL before it is fetched, redirect hops included (the outbound allow-list). */
  checkUrl?: (url: URL) => Promise<void> | void;
}

/** A requested byte range; `end` is exclusive, absent for "to the end". */
interface RangeRequest {
  start: number;
  end?: number;
}

/** The final (non-redirect) answer to a GET. */
interface RemoteResponse {
  response: Response;
  /** URL that produced `response`, after redirects. */
  url: URL;
}

/** Strips the weak marker and quotes: `W/"abc"` -> `abc`. */
export function normalizeEtag(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return value.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1") || undefined;
}

/** True for an ETag the server promises is byte-exact (not `W/`). */
export function isStrongEtag(value: string | null | undefined): boolean {
  return !!value && !value.trim().startsWith("W/");
}

/** One remote file, reachable through redirects; remembers where the redirects led. */
export class RemoteFile {
  /** Origin the caller's headers belong to. */
  readonly origin: string;
  /** `X-Linked-Etag` (else `ETag`) the original origin sent with its redirect, normalized. */
  linkedEtag: string | undefined;
  #start: URL;
  #target: URL | undefined;
  #headers: Record<string, string>;
  #reresolve: (() => Promise<string>) | undefined;
  #checkUrl: ((url: URL) => Promise<void> | void) | undefined;

  constructor(options: RemoteFileOptions) {
    this.#start = parseHttpUrl(options.url);
    this.origin = this.#start.origin;
    this.#headers = options.headers ?? {};
    this.#reresolve = options.reresolve;
    this.#checkUrl = options.checkUrl;
  }

  /**
   * GETs the file (or `range` of it), through `client` when given. Redirect targets are
   * remembered so later ranges skip the hop; a 403 from a foreign origin (an expired
   * signature) re-resolves and retries once.
   */
  async get(
    range: RangeRequest | undefined,
    signal: AbortSignal,
    client?: Deno.HttpClient,
  ): Promise<RemoteResponse> {
    const first = await this.#follow(range, signal, client);
    if (first.response.status !== 403 || first.url.origin === this.origin) return first;
    await first.response.body?.cancel();
    this.#target = undefined;
    if (this.#reresolve) this.#start = parseHttpUrl(await this.#reresolve());
    return await this.#follow(range, signal, client);
  }

  async #follow(
    range: RangeRequest | undefined,
    signal: AbortSignal,
    client: Deno.HttpClient | undefined,
  ): Promise<RemoteResponse> {
    // Identity encoding keeps byte offsets meaningful for Range and Content-Length.
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (range) {
      const last = range.end === undefined ? "" : String(range.end - 1);
      headers.range = `bytes=${range.start}-${last}`;
    }
    const start = this.#target ?? this.#start;
    const followed = await fetchFollowing(start, {
      headers,
      credentials: this.#headers,
      credentialsOrigin: this.origin,
      signal,
      client,
      checkUrl: this.#checkUrl,
      onRedirect: (response, from) => {
        if (from.origin !== this.origin) return;
        const linked = response.headers.get("x-linked-etag") ?? response.headers.get("etag");
        this.linkedEtag = normalizeEtag(linked) ?? this.linkedEtag;
      },
    });
    if (followed.url.href !== this.#start.href) this.#target = followed.url;
    return followed;
  }
}

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NightpullError("invalid_input", `invalid download URL "${displayUrl(text)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NightpullError(
      "invalid_input",
      `invalid download URL "${displayUrl(text)}": expected an http:// or https:// URL`,
    );
  }
  return url;
}
