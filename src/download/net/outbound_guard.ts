/**
 * Where URL sources and webhooks may connect (`--allow-hosts`): a check of one URL's host by
 * name and by the addresses it resolves to, used when a schedule or download is created or
 * triggered (422 `host_not_allowed`) and again before every request and redirect hop. The hub
 * endpoint is always allowed; link-local and metadata addresses never are.
 *
 * @example
 * ```ts
 * const check = outboundCheck(config);
 * await check(new URL("http://169.254.169.254/latest")); // throws host_not_allowed
 * ```
 * @module
 */
import { lookup } from "node:dns/promises";
import type { Config } from "../../config.ts";
import { NightpullError } from "../../errors.ts";
import { addressBits, hostRefusal } from "../../host_allow_list.ts";

/** Checks one URL; throws `host_not_allowed` when it may not be reached. */
type UrlCheck = (url: URL) => Promise<void>;

async function addressesOf(name: string): Promise<string[]> {
  if (addressBits(name) !== null) return [];
  try {
    return (await lookup(name, { all: true })).map((a) => a.address);
  } catch {
    // unresolvable: nothing to check by address; the request itself will fail to connect
    return [];
  }
}

/**
 * A check for `config`'s allow-list. Decisions are kept per host for the life of the check
 * (one pull or one delivery), so ranged requests do not resolve the name again and again.
 */
export function outboundCheck(
  config: Pick<Config, "allowHosts" | "hfEndpoint">,
  field = "source",
): UrlCheck {
  const hub = new URL(config.hfEndpoint).origin;
  const decided = new Map<string, Promise<string | null>>();
  return async (url) => {
    if (url.origin === hub) return;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let decision = decided.get(host);
    if (!decision) {
      decision = addressesOf(host).then((addresses) =>
        hostRefusal(config.allowHosts, host, addresses)
      );
      decided.set(host, decision);
    }
    const refusal = await decision;
    if (refusal !== null) {
      throw new NightpullError(
        "host_not_allowed",
        `${field}: ${refusal}; allow it with --allow-hosts (NIGHTPULL_ALLOW_HOSTS)`,
        { field, host },
      );
    }
  };
}

/**
 * Checks a download's source (when it is a URL) and webhook before anything is stored or
 * started: 422 `host_not_allowed` naming the field.
 */
export async function checkOutboundTargets(
  config: Pick<Config, "allowHosts" | "hfEndpoint">,
  targets: { source?: string; webhook?: { url: string } | null },
): Promise<void> {
  const urls: [string, string | undefined][] = [
    ["source", targets.source],
    ["webhook.url", targets.webhook?.url],
  ];
  for (const [field, text] of urls) {
    if (!text || !/^https?:\/\//i.test(text)) continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue; // input validation reports a malformed URL
    }
    await outboundCheck(config, field)(url);
  }
}
