/**
 * Run-end webhooks: a JSON POST `{event, run, schedule}` signed with
 * `X-Nightpull-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried a few times with
 * backoff, following redirects under the one policy (src/download/net/follow_redirects.ts). The
 * payload never carries a secret; the outcome is returned for the run record.
 *
 * @example
 * ```ts
 * const outcome = await deliverWebhook({ url, secret }, payload, { delaysMs: [1000, 5000] });
 * ```
 * @module
 */
import { createHmac } from "node:crypto";
import { fetchFollowing } from "../../download/net/follow_redirects.ts";
import { NightpullError } from "../../errors.ts";
import { registerSecret, scrubSecrets } from "../../secrets.ts";
import type { Run, Schedule, WebhookDelivery } from "../../store/records.ts";
import { sleep } from "../../time/sleep.ts";
import { USER_AGENT } from "../../version.ts";

/** Events sent when a run ends. */
type WebhookEvent = "run.succeeded" | "run.failed" | "run.skipped";

/** The JSON body of a webhook. */
interface WebhookPayload {
  event: WebhookEvent;
  run: Run;
  schedule: { id: string; name: string; source: string } | null;
}

/** Delivery options; the defaults suit production. */
interface WebhookOptions {
  /** Waits between attempts; attempts = delays + 1 (default 1 s, 5 s, 30 s). */
  delaysMs?: number[];
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Stops retrying (shutdown). */
  signal?: AbortSignal;
  /** Checks the receiver and every redirect hop (the outbound allow-list); throws to refuse. */
  checkUrl?: (url: URL) => Promise<void> | void;
}

/** The event name for a final run status, or null when the status sends none. */
export function webhookEvent(run: Run): WebhookEvent | null {
  if (run.status === "succeeded") return "run.succeeded";
  if (run.status === "failed") return "run.failed";
  if (run.status === "skipped") return "run.skipped";
  return null;
}

/** The payload for a run, without the webhook outcome and without any secret. */
export function webhookPayload(run: Run, schedule: Schedule | null): WebhookPayload {
  const { webhook: _outcome, ...publicRun } = run;
  return {
    event: webhookEvent(run) ?? "run.failed",
    run: publicRun,
    schedule: schedule ? { id: schedule.id, name: schedule.name, source: schedule.source } : null,
  };
}

/** `sha256=<hex>` HMAC of `body` with `secret`, as sent in X-Nightpull-Signature. */
function signBody(body: string, secret: string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * POSTs the payload until a 2xx answer or the attempts run out. A 4xx other than 408/429
 * is final (the receiver refused it); network errors, timeouts and 5xx are retried.
 */
export async function deliverWebhook(
  target: { url: string; secret?: string },
  payload: WebhookPayload,
  options: WebhookOptions = {},
): Promise<WebhookDelivery> {
  const delays = options.delaysMs ?? [1000, 5000, 30_000];
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "x-nightpull-event": payload.event,
  };
  if (target.secret) headers["x-nightpull-signature"] = signBody(body, target.secret);
  registerSecret(target.secret);
  const outcome: WebhookDelivery = { status: "failed", attempts: 0 };
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) {
      await sleep(delays[attempt - 1], options.signal).catch(() => {}); // shutdown: stop waiting
      if (options.signal?.aborted) break;
    }
    outcome.attempts++;
    try {
      const { response: res } = await fetchFollowing(target.url, {
        method: "POST",
        headers,
        body,
        // a shutdown cuts an attempt short too, not only the waits between attempts
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)])
          : AbortSignal.timeout(options.timeoutMs ?? 10_000),
        checkUrl: options.checkUrl,
      });
      await res.body?.cancel();
      outcome.httpStatus = res.status;
      if (res.ok) {
        return {
          status: "delivered",
          attempts: outcome.attempts,
          httpStatus: res.status,
          deliveredAt: new Date().toISOString(),
        };
      }
      outcome.error = `receiver answered HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
    } catch (err) {
      outcome.error = `delivery failed: ${scrubSecrets((err as Error).message)}`;
      // a refused host or redirect is refused again on every attempt
      if (err instanceof NightpullError) break;
    }
  }
  if (options.signal?.aborted && outcome.error === undefined) outcome.error = "shut down";
  return outcome;
}
