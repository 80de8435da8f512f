/**
 * The Hugging Face hub API as huggingface_hub uses it: resolve a revision to a commit, list
 * a commit's files (following `Link: rel="next"` pages), build `resolve` URLs, and turn hub
 * failures into actionable NightpullErrors. API GETs retry transient failures.
 *
 * @example
 * ```ts
 * const hub = new HubClient({ endpoint: "https://huggingface.co", token });
 * const commit = await hub.resolveRevision(source);
 * const files = await hub.listFiles(source, commit);
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { USER_AGENT } from "../../version.ts";
import { remoteSnippet } from "../../secrets.ts";
import { hubHttpError, hubNetworkError, repoPageUrl } from "./hub_errors.ts";
import { type HubFile, parseTreeEntry, SHA1_HEX } from "./hub_file.ts";
import { serverRetryAfterMs } from "../net/http_retry.ts";
import { MAX_HUB_RESPONSE_BYTES, nextLink, quote } from "./hub_http.ts";
import { HubApi, type HubErrorContext } from "./hub_api.ts";
import { RateLimitBudget } from "./rate_limit_budget.ts";
import { sleep as abortableSleep } from "../../time/sleep.ts";
import { repoTypePlural, type Source } from "../source/source.ts";

export { blobEtag, type HubFile } from "./hub_file.ts";
export type { HubErrorContext } from "./hub_api.ts";

/** An hf source (`hf:org/name@rev`). */
export type HfSource = Extract<Source, { kind: "hf" }>;

/** How API requests are retried. */
interface HubRetryOptions {
  /** Total tries per request, first included (default 4). */
  attempts?: number;
  /** First backoff (default 250 ms), doubled per retry up to `maxDelayMs` (default 4 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A `Retry-After` (not a 429's) longer than this is not waited for (default 60 s). */
  maxRetryAfterMs?: number;
}

/** Options of {@link HubClient}. */
interface HubClientOptions {
  /** `HF_ENDPOINT`, e.g. `https://huggingface.co`. */
  endpoint: string;
  token?: string;
  userAgent?: string;
  retry?: HubRetryOptions;
  /** Waits between retries; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout including the body (default 60 s). */
  timeoutMs?: number;
  /** Largest API answer read, in bytes (default {@link MAX_HUB_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
  /**
   * The run's budget for 429 waits, shared with its file transfers; default a fresh one
   * waiting with `sleep`.
   */
  rateLimits?: RateLimitBudget;
  /** Ends a rate-limit wait early (Ctrl+C during a long 429 wait); the wait then rejects. */
  signal?: AbortSignal;
}

const MAX_PAGES = 100_000;
/** The real hub, whose links a mirror may pass through unchanged. */
const HF_ORIGIN = "https://huggingface.co";

/** Talks to one hub endpoint with one (optional) token. */
export class HubClient {
  readonly endpoint: string;
  readonly #origin: string;
  readonly #token?: string;
  readonly #api: HubApi;

  constructor(options: HubClientOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      url = new URL("invalid:");
    }
    const plain = !url.search && !url.hash && !url.username && !url.password;
    if ((url.protocol !== "https:" && url.protocol !== "http:") || !plain) {
      throw new NightpullError(
        "invalid_config",
        `invalid hub endpoint "${
          url.username || url.password ? "(with credentials)" : options.endpoint
        }": ` +
          `expected an http(s) URL without query or credentials, such as "https://huggingface.co" (HF_ENDPOINT)`,
        { field: "hfEndpoint" },
      );
    }
    this.endpoint = url.href.replace(/\/+$/, "");
    this.#origin = url.origin;
    this.#token = options.token || undefined;
    // the run's signal cuts the waits between retries short too
    const sleep = options.sleep ?? ((ms) => abortableSleep(ms, options.signal));
    this.#api = new HubApi({
      endpoint: this.endpoint,
      origin: this.#origin,
      userAgent: options.userAgent ?? USER_AGENT,
      retry: {
        attempts: Math.max(1, options.retry?.attempts ?? 4),
        baseDelayMs: options.retry?.baseDelayMs ?? 250,
        maxDelayMs: options.retry?.maxDelayMs ?? 4000,
        maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 60_000,
      },
      sleep,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxResponseBytes: options.maxResponseBytes ?? MAX_HUB_RESPONSE_BYTES,
      rateLimits: options.rateLimits ?? new RateLimitBudget({ sleep: (ms) => sleep(ms) }),
      signal: options.signal,
      authHeaders: () => this.authHeaders(),
      mapHttpError: (res, context, message) => this.mapHttpError(res, context, message),
      networkError: (err, context) => this.networkError(err, context),
      details: (context) => this.#details(context),
    });
  }

  /** `{Authorization: "Bearer …"}` when a token is set, else `{}`; only for the endpoint's origin. */
  authHeaders(): Record<string, string> {
    return this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
  }

  /** The repo's page on the endpoint, e.g. `https://huggingface.co/org/name` (for messages). */
  repoUrl(source: HfSource): string {
    return repoPageUrl(this.endpoint, source.repoType, source.repoId);
  }

  /** `{endpoint}/{[datasets/|spaces/]}{repo}/resolve/{commit}/{path}`, path segments encoded. */
  fileUrl(source: HfSource, commit: string, path: string): string {
    const encoded = path.split("/").map(quote).join("/");
    return `${this.repoUrl(source)}/resolve/${quote(commit)}/${encoded}`;
  }

  /** Resolves a branch, tag or commit to the 40-hex commit sha it names now. */
  async resolveRevision(source: HfSource): Promise<string> {
    // `expand=sha`: the commit alone, not the info of every file (100,000 siblings are ~4 MB)
    const url = `${this.#apiBase(source)}/revision/${quote(source.revision)}?expand=sha`;
    const context = { source, revision: source.revision };
    const { json } = await this.#api.getJson(url, context);
    const sha = (json as { sha?: unknown } | null)?.sha;
    if (typeof sha !== "string" || !SHA1_HEX.test(sha)) {
      throw new NightpullError(
        "upstream_error",
        `the hub sent no valid commit sha for ${source.repoId}@${source.revision} ` +
          `(got ${remoteSnippet(sha, 60)}); is ${this.endpoint} a Hugging Face hub?`,
        this.#details(context),
      );
    }
    return sha;
  }

  /** Every file (not folder) of `commit`, recursively, following the tree API's pages. */
  async listFiles(source: HfSource, commit: string): Promise<HubFile[]> {
    if (!SHA1_HEX.test(commit)) {
      throw new NightpullError(
        "invalid_input",
        `listFiles needs a 40-hex commit sha, got "${
          commit.slice(0, 60)
        }": resolve the revision first`,
        { revision: commit },
      );
    }
    const context = { source, revision: commit };
    const files: HubFile[] = [];
    const seen = new Set<string>();
    let url: string | undefined = `${
      this.#apiBase(source)
    }/tree/${commit}?recursive=true&expand=false`;
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES) {
        throw new NightpullError(
          "upstream_error",
          `the hub's file listing of ${source.repoId}@${commit} loops (page ${url} again)`,
          this.#details(context),
        );
      }
      seen.add(url);
      const page: { json: unknown; link: string | null } = await this.#api.getJson(url, context);
      if (!Array.isArray(page.json)) {
        throw new NightpullError(
          "upstream_error",
          `the hub's file listing of ${source.repoId}@${commit} is not a JSON array`,
          this.#details(context),
        );
      }
      for (const entry of page.json) {
        const file = parseTreeEntry(entry);
        if (file === "skip") continue;
        if (file === undefined) {
          throw new NightpullError(
            "upstream_error",
            `the hub's file listing of ${source.repoId}@${commit} has a malformed entry: ` +
              remoteSnippet(entry, 200),
            this.#details(context),
          );
        }
        files.push(file);
      }
      url = this.#nextPage(page.link, url, context);
    }
    return files;
  }

  /**
   * The NightpullError for a failed hub response (undefined for 2xx/3xx). `serverMessage` is
   * the body's `error` text when the caller read it; `X-Error-Message` is used otherwise.
   */
  mapHttpError(
    res: Response,
    context: HubErrorContext,
    serverMessage?: string,
  ): NightpullError | undefined {
    const wait = serverRetryAfterMs(res.status, res.headers, Date.now());
    return hubHttpError(
      {
        status: res.status,
        errorCode: res.headers.get("x-error-code"),
        errorMessage: res.headers.get("x-error-message") ?? serverMessage,
        retryAfter: wait === undefined ? null : String(Math.ceil(wait / 1000)),
      },
      {
        endpoint: this.endpoint,
        repoType: context.source.repoType,
        repoId: context.source.repoId,
        revision: context.revision ?? context.source.revision,
        path: context.path,
        tokenSent: this.#token !== undefined,
        token: this.#token,
      },
    );
  }

  /** The network_error for a request that got no answer. */
  networkError(err: unknown, context: HubErrorContext): NightpullError {
    return hubNetworkError(this.endpoint, err, this.#details(context), this.#token);
  }

  #apiBase(source: HfSource): string {
    return `${this.endpoint}/api/${repoTypePlural(source.repoType)}/${source.repoId}`;
  }

  #details(context: HubErrorContext): Record<string, unknown> {
    return {
      repo: context.source.repoId,
      repoType: context.source.repoType,
      revision: context.revision ?? context.source.revision,
      ...(context.path !== undefined ? { path: context.path } : {}),
    };
  }

  /**
   * The next page's URL. A link on the endpoint's origin is followed; one on huggingface.co
   * while the endpoint is a mirror (hf-mirror.com answers so) is rewritten onto the endpoint,
   * as huggingface_hub does; any other origin is refused, because the token rides along.
   */
  #nextPage(link: string | null, current: string, context: HubErrorContext): string | undefined {
    let next = nextLink(link, current);
    if (next === undefined) return undefined;
    if (this.#origin !== HF_ORIGIN && new URL(next).origin === HF_ORIGIN) {
      const url = new URL(next);
      next = `${this.endpoint}${url.pathname}${url.search}`;
    }
    if (new URL(next).origin !== this.#origin) {
      throw new NightpullError(
        "upstream_error",
        `the hub's next-page link points to another origin (${new URL(next).origin}); ` +
          `refusing to follow it from ${this.#origin}`,
        this.#details(context),
      );
    }
    return next;
  }
}
