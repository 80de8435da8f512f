/**
 * Every secret this process holds (hub token, API token, webhook secrets), and the one
 * scrubber that removes them from text a remote server sent before that text reaches a
 * message, log line, run record, SSE event or webhook payload. A secret is removed raw,
 * URL-encoded and base64-encoded (standard and URL alphabets, at any byte alignment, so an
 * echo of `Authorization: Bearer <token>` encoded whole is caught too).
 *
 * Scrub before cutting text short: a secret cut in half no longer matches.
 *
 * @example
 * ```ts
 * registerSecret(token);
 * const safe = scrubSecrets(await response.text()).slice(0, 300);
 * ```
 * @module
 */
const MASK = "***";
/** Encoded forms are only derived from secrets this long (shorter ones are scrubbed raw). */
const MIN_ENCODED = 6;

const forms = new Map<string, string[]>();
let ordered: string[] = [];

function base64Forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const text = btoa(String.fromCharCode(...padded));
    // only the characters made of the secret's bytes alone are the same whatever surrounds it
    const from = Math.ceil(shift / 3) * 4;
    const to = Math.floor((shift + bytes.length) / 3) * 4;
    const stable = text.slice(from, to);
    if (stable.length >= 8) {
      out.push(stable, stable.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return out;
}

/** The forms of `secret` the scrubber removes. */
export function secretForms(secret: string): string[] {
  const all = new Set([secret]);
  if (secret.length >= MIN_ENCODED) {
    const encoded = encodeURIComponent(secret);
    all.add(encoded);
    all.add(encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
    all.add(encoded.replaceAll("%20", "+"));
    for (const b64 of base64Forms(secret)) all.add(b64);
  }
  return [...all];
}

/** Adds a secret to scrub from now on; blank and very short values are ignored. */
export function registerSecret(secret: string | undefined | null): void {
  const value = secret?.trim();
  if (!value || value.length < 3 || forms.has(value)) return;
  forms.set(value, secretForms(value));
  // longest first, so a secret inside a longer one's encoding does not leave pieces behind
  ordered = [...new Set([...forms.values()].flat())].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every registered secret replaced by `***`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const form of ordered) {
    if (out.includes(form)) out = out.split(form).join(MASK);
  }
  return out;
}

/**
 * A short, quoted excerpt of a remote value for a message: JSON-quoted, scrubbed of every
 * secret, then cut to `max` characters (in that order, so no half secret survives).
 */
export function remoteSnippet(value: unknown, max: number): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  const quoted = JSON.stringify(scrubSecrets(text));
  return quoted.length > max ? quoted.slice(0, max) + "…" : quoted;
}
