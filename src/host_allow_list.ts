/**
 * The outbound allow-list (`--allow-hosts`): which hosts API-created URL sources and webhooks
 * may reach. Entries are host names, `*.example.com` wildcards, IP addresses and CIDRs. Link-local
 * and cloud metadata addresses (169.254.0.0/16, fe80::/10) are refused whatever the list says.
 * Pure: the caller resolves names and passes the addresses.
 *
 * @example
 * ```ts
 * hostRefusal(["127.0.0.1", "*.example.com"], "cdn.example.com", ["93.184.216.34"]); // null
 * ```
 * @module
 */

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const NAME =
  /^(?:\*\.)?(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/;

/** The 32-bit value of a dotted IPv4 address, or null. */
function v4Bits(text: string): bigint | null {
  const m = V4.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** The 128-bit value of an IPv6 address (IPv4-mapped tails allowed), or null. */
function v6Bits(text: string): bigint | null {
  let t = text.toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!t.includes(":")) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (tail) {
    const v4 = v4Bits(tail[1]);
    if (v4 === null) return null;
    t = t.slice(0, -tail[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address as 128 bits (IPv4 as IPv4-mapped IPv6), or null when `text` is not an address. */
export function addressBits(text: string): bigint | null {
  const v4 = v4Bits(text);
  if (v4 !== null) return 0xffff00000000n | v4;
  return v6Bits(text);
}

function cidr(entry: string): { base: bigint; prefix: number } | null {
  const [addr, len, extra] = entry.split("/");
  if (extra !== undefined) return null;
  const bits = addressBits(addr);
  if (bits === null) return null;
  const v4 = v4Bits(addr) !== null;
  const max = v4 ? 32 : 128;
  const n = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : -1;
  if (n < 0 || n > max) return null;
  return { base: bits, prefix: v4 ? n + 96 : n };
}

function inRange(bits: bigint, range: { base: bigint; prefix: number }): boolean {
  const shift = BigInt(128 - range.prefix);
  return (bits >> shift) === (range.base >> shift);
}

const ALWAYS_REFUSED = [cidr("169.254.0.0/16")!, cidr("fe80::/10")!];

/** True when `entry` is a valid `--allow-hosts` entry (lower case). */
export function isHostPattern(entry: string): boolean {
  return cidr(entry) !== null || NAME.test(entry);
}

/** True for link-local and metadata addresses, refused whatever the allow-list says. */
export function isLinkLocal(address: string): boolean {
  const bits = addressBits(address);
  return bits !== null && ALWAYS_REFUSED.some((r) => inRange(bits, r));
}

function nameMatches(pattern: string, host: string): boolean {
  const p = pattern.replace(/\.$/, "");
  if (p.startsWith("*.")) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

function entryMatches(entry: string, host: string): boolean {
  const range = cidr(entry);
  if (range) {
    const bits = addressBits(host);
    return bits !== null && inRange(bits, range);
  }
  return addressBits(host) === null && nameMatches(entry, host);
}

/**
 * Why a connection to `host` (resolving to `addresses`) is refused under `allow`, or null when
 * it may go. An empty list allows every host but link-local ones. A name passes when the name
 * or every address it resolved to is listed; each address must also not be link-local.
 */
export function hostRefusal(
  allow: string[],
  host: string,
  addresses: string[] = [],
): string | null {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  for (const address of [name, ...addresses]) {
    if (isLinkLocal(address)) {
      return `${host} is a link-local or metadata address (${address}), never reachable`;
    }
  }
  if (allow.length === 0) return null;
  if (allow.some((e) => entryMatches(e, name))) {
    // a listed name may not resolve to an address the list refuses when it names addresses
    return null;
  }
  if (addresses.length > 0 && addressBits(name) === null) {
    const all = addresses.every((a) => allow.some((e) => entryMatches(e, a)));
    if (all) return null;
  }
  return `${host} is not in --allow-hosts (${allow.join(", ")})`;
}
