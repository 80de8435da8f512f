/**
 * One pull: a hub repo (one commit, resolved at start) or a URL, downloaded resumably and
 * verified into its layout, with a manifest record per file. Files already present and
 * verified are skipped without transferring a body; one failing file lets the others finish
 * before its error is thrown, so a retry resumes only what is missing.
 *
 * @example
 * ```ts
 * const report = await pull({ source: "hf:acme/tiny-model@main" }, { config, kv });
 * ```
 * @module
 */
import { rateLimiterFor } from "../transfer/rate_limiter.ts";
import { parseSource } from "../source/source.ts";
import { pullUrl } from "./pull_url.ts";
import { pullHub } from "./pull_hub.ts";
import { checkPullRequest } from "./pull_request_check.ts";
import type { PullContext, PullReport, PullRequest } from "./pull_types.ts";

export type { PullContext, PullEvent, PullReport, PullRequest } from "./pull_types.ts";
export { pullRateLimits, throwIfInterrupted } from "./pull_signals.ts";

/** Pulls a source; throws a NightpullError (first file error, or `interrupted`). */
export async function pull(request: PullRequest, ctx: PullContext): Promise<PullReport> {
  const source = parseSource(request.source);
  checkPullRequest(request, source);
  // config.timezone only with a limit: the default zone is costly to look up (config.ts)
  const own = request.bandwidth
    ? rateLimiterFor(request.bandwidth, ctx.config.timezone)
    : undefined;
  const inner = own ? { ...ctx, limiters: [...(ctx.limiters ?? []), own] } : ctx;
  if (source.kind === "url") return await pullUrl(request, source.url, inner);
  return await pullHub(request, source, inner);
}
