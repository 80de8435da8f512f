/**
 * One hub API GET as huggingface_hub makes it: under the one redirect policy (Authorization
 * only to the endpoint's origin), with a per-request timeout and a cap on the answer, retried on
 * resets, timeouts, 5xx and 429 (a 429 that says how long waits within the run's rate-limit
 * budget), answering the parsed JSON and the `Link` header.
 *
 * @example
 * ```ts
 * const api = new HubApi({ endpoint, origin, ...hooks });
 * const { json, link } = await api.getJson(url, { source });
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { remoteSnippet } from "../../secrets.ts";
import { fetchFollowing } from "../net/follow_redirects.ts";
import { serverRetryAfterMs } from "../net/http_retry.ts";
import { BodyTooLarge, errorBodyText, readTextCapped } from "./hub_http.ts";
import type { RateLimitBudget } from "./rate_limit_budget.ts";
import type { Source } from "../source/source.ts";

/** Where a failure happened, for error messages and details. */
export interface HubErrorContext {
  source: Extract<Source, { kind: "hf" }>;
  path?: string;
  revision?: string;
}

/** How one hub's API requests are made and what their failures become. */
interface HubApiOptions {
  endpoint: string;
  origin: string;
  userAgent: string;
  retry: {
    attempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    maxRetryAfterMs: number;
  };
  sleep: (ms: number) => Promise<void>;
  timeoutMs: number;
  maxResponseBytes: number;
  rateLimits: RateLimitBudget;
  signal?: AbortSignal;
  authHeaders: () => Record<string, string>;
  mapHttpError: (
    res: Response,
    context: HubErrorContext,
    serverMessage?: string,
  ) => NightpullError | undefined;
  networkError: (err: unknown, context: HubErrorContext) => NightpullError;
  details: (context: HubErrorContext) => Record<string, unknown>;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** GETs JSON from one hub; see the module doc. */
export class HubApi {
  readonly #o: HubApiOptions;

  constructor(options: HubApiOptions) {
    this.#o = options;
  }

  /** Throws `interrupted` once the run's signal has aborted (a stop, a window's end). */
  #throwIfAborted(url: string): void {
    if (!this.#o.signal?.aborted) return;
    throw new NightpullError(
      "interrupted",
      `hub request ${new URL(url).pathname} interrupted; nothing was changed`,
      {},
      { cause: this.#o.signal.reason },
    );
  }

  /**
   * GET with retries on resets, timeouts, 5xx and 429; returns parsed JSON and the Link header.
   * A 429 that says how long to wait waits within the run's rate-limit budget and does not
   * count as a try.
   */
  async getJson(
    url: string,
    context: HubErrorContext,
  ): Promise<{ json: unknown; link: string | null }> {
    let delay = this.#o.retry.baseDelayMs;
    for (let attempt = 1;;) {
      this.#throwIfAborted(url);
      const outcome = await this.#attempt(url, context, attempt >= this.#o.retry.attempts);
      if ("json" in outcome) return outcome;
      if (outcome.rateLimitedMs !== undefined) {
        await this.#o.rateLimits.wait(outcome.rateLimitedMs, url, this.#o.signal);
        continue;
      }
      attempt++;
      await this.#o.sleep(outcome.retryAfterMs ?? delay).catch(() => {});
      delay = Math.min(this.#o.retry.maxDelayMs, delay * 2);
    }
  }

  /** One try: the JSON, or a wish to retry (after `retryAfterMs`); throws when it may not retry. */
  async #attempt(
    url: string,
    context: HubErrorContext,
    last: boolean,
  ): Promise<
    { json: unknown; link: string | null } | { retryAfterMs?: number; rateLimitedMs?: number }
  > {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${this.#o.timeoutMs} ms`)),
      this.#o.timeoutMs,
    );
    try {
      let res: Response;
      let text: string;
      try {
        res = await this.#fetchFollowing(
          url,
          this.#o.signal ? AbortSignal.any([this.#o.signal, controller.signal]) : controller.signal,
        );
        const wait = RETRY_STATUSES.has(res.status)
          ? serverRetryAfterMs(res.status, res.headers, Date.now())
          : undefined;
        if (res.status === 429 && wait !== undefined) {
          await res.body?.cancel();
          return { rateLimitedMs: wait };
        }
        if (!last && RETRY_STATUSES.has(res.status)) {
          // A Retry-After longer than we are willing to wait is reported instead.
          if (wait === undefined || wait <= this.#o.retry.maxRetryAfterMs) {
            await res.body?.cancel();
            return { retryAfterMs: wait };
          }
        }
        text = await readTextCapped(res, this.#o.maxResponseBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw this.#tooLarge(url, err.limit, context);
        // a refused redirect (another scheme, too many hops) is final: asking again changes nothing
        if (err instanceof NightpullError) throw err;
        this.#throwIfAborted(url);
        // Resets, refused connections, cut bodies and our own timeout are all worth a retry.
        if (!last) return {};
        throw this.#o.networkError(
          controller.signal.aborted ? controller.signal.reason : err,
          context,
        );
      }
      return this.#parse(url, context, res, text);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A read answer: its mapped error, or its JSON with the Link header. */
  #parse(url: string, context: HubErrorContext, res: Response, text: string) {
    // only a failure's body is read for its message: a 1000-entry page is parsed once
    const error = res.status >= 400
      ? this.#o.mapHttpError(res, context, errorBodyText(text))
      : undefined;
    if (error) throw error;
    try {
      return { json: JSON.parse(text) as unknown, link: res.headers.get("link") };
    } catch {
      throw new NightpullError(
        "upstream_error",
        `the hub answered ${new URL(url).pathname} with something that is not JSON ` +
          `(${remoteSnippet(text, 80)}); is ${this.#o.endpoint} a Hugging Face hub?`,
        { ...this.#o.details(context), status: res.status },
      );
    }
  }

  /** A hub answer past the cap: never retried (it would only be as large again). */
  #tooLarge(url: string, limit: number, context: HubErrorContext): NightpullError {
    const size = limit % 1048576 === 0 ? `${limit / 1048576} MiB` : `${limit} bytes`;
    return new NightpullError(
      "hub_response_too_large",
      `the hub's answer to ${new URL(url).pathname} is larger than ${size} ` +
        `(or never ends); stopped reading it. Is ${this.#o.endpoint} a Hugging Face hub?`,
      { ...this.#o.details(context), limit },
    );
  }

  /** fetch under the one redirect policy: Authorization only to the endpoint's origin. */
  async #fetchFollowing(url: string, signal: AbortSignal): Promise<Response> {
    const { response } = await fetchFollowing(url, {
      headers: { "user-agent": this.#o.userAgent, accept: "application/json" },
      credentials: this.#o.authHeaders(),
      credentialsOrigin: this.#o.origin,
      signal,
    });
    return response;
  }
}
