/**
 * A webhook target from a schedule or download body: an http(s) URL without line breaks or
 * credentials, and an optional signing secret (registered so logs never show it).
 *
 * @example
 * ```ts
 * const webhook = normalizeWebhook({ url: "https://hooks.example/np", secret: "s3cret" });
 * ```
 * @module
 */
import { registerSecret } from "../../secrets.ts";
import { checkKnown, CONTROL, invalid } from "./input_checks.ts";

/** Checks a webhook target: http(s) URL without CR/LF or credentials, optional secret. */
export function normalizeWebhook(value: unknown): { url: string; secret?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("webhook", 'invalid webhook: expected {"url": "https://...", "secret"?: "..."}');
  }
  const w = value as Record<string, unknown>;
  checkKnown(w, ["url", "secret"], "webhook");
  const raw = w.url;
  let url: URL | null = null;
  if (typeof raw === "string" && !CONTROL.test(raw) && raw.length <= 2048) {
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
  }
  if (
    !url || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password
  ) {
    throw invalid(
      "webhook.url",
      `invalid webhook.url ${JSON.stringify(raw)}: expected an http:// or https:// URL without ` +
        "credentials or line breaks",
    );
  }
  const out: { url: string; secret?: string } = { url: raw as string };
  if (typeof w.secret === "string") registerSecret(w.secret);
  if (w.secret !== undefined) {
    if (typeof w.secret !== "string" || w.secret.length < 1 || w.secret.length > 1024) {
      throw invalid(
        "webhook.secret",
        "invalid webhook.secret: expected a string of 1 to 1024 characters",
      );
    }
    out.secret = w.secret;
  }
  return out;
}
