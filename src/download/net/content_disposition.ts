/**
 * The file name of a URL download: from `Content-Disposition` (RFC 6266, with RFC 8187/5987
 * `filename*=UTF-8''…` preferred), else the URL's last path segment, else "download". The
 * name is checked with {@link safeFileName}; a hostile header is refused, never sanitized
 * into something else.
 *
 * @example
 * ```ts
 * filenameFromResponse(new URL("https://h/f?x=1"), `attachment; filename*=UTF-8''na%C3%AFve.txt`);
 * // "naïve.txt"
 * ```
 * @module
 */
import { safeFileName } from "../layout/safe_path.ts";

/** Name used when neither the header nor the URL yields one. */
const FALLBACK_FILENAME = "download";

/**
 * Picks the download's file name from the response header or the URL; throws `unsafe_path`
 * when the chosen name is not a single safe segment.
 */
export function filenameFromResponse(url: URL, contentDisposition: string | null): string {
  const fromHeader = contentDisposition ? dispositionFilename(contentDisposition) : undefined;
  if (fromHeader !== undefined && fromHeader.trim() !== "") return safeFileName(fromHeader);
  const fromUrl = lastSegment(url);
  if (fromUrl.trim() !== "") return safeFileName(fromUrl);
  return FALLBACK_FILENAME;
}

/** The `filename*` (decoded) or `filename` parameter of a `Content-Disposition` value. */
export function dispositionFilename(header: string): string | undefined {
  const params = parseParameters(header);
  const extended = params.get("filename*");
  if (extended !== undefined) {
    const decoded = decodeExtValue(extended);
    if (decoded !== undefined) return decoded;
  }
  const plain = params.get("filename");
  return plain === undefined ? undefined : repairUtf8(plain);
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Splits `type; a=b; c="d;e"` into lower-cased parameter names and unquoted values. */
function parseParameters(header: string): Map<string, string> {
  const params = new Map<string, string>();
  // The disposition type comes first; tolerate servers that send parameters without one.
  const semi = header.indexOf(";");
  const eq0 = header.indexOf("=");
  let i = eq0 >= 0 && (semi < 0 || eq0 < semi) ? 0 : semi < 0 ? header.length : semi + 1;
  while (i < header.length) {
    while (i < header.length && /[\s;]/.test(header[i])) i++;
    const eq = header.indexOf("=", i);
    if (eq < 0) break;
    const name = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (header[i] === " " || header[i] === "\t") i++;
    let value = "";
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === "\\" && i + 1 < header.length) i++;
        value += header[i++];
      }
      i++;
      while (i < header.length && header[i] !== ";") i++;
    } else {
      const end = header.indexOf(";", i);
      value = header.slice(i, end < 0 ? header.length : end).trim();
      i = end < 0 ? header.length : end;
    }
    // The first occurrence wins: a later duplicate is a smuggling attempt, not an update.
    if (name && !params.has(name)) params.set(name, value);
  }
  return params;
}

/** Decodes `charset'lang'pct-encoded`; undefined for unknown charsets or bad encoding. */
function decodeExtValue(value: string): string | undefined {
  const match = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[^']*'(.*)$/.exec(value.trim());
  if (!match) return undefined;
  const charset = match[1].toLowerCase();
  const encoded = match[2];
  if (!/^(?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-Fa-f]{2})*$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length;) {
    if (encoded[i] === "%") {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(encoded.charCodeAt(i));
      i += 1;
    }
  }
  if (charset === "utf-8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      return undefined;
    }
  }
  if (charset === "iso-8859-1") return String.fromCharCode(...bytes);
  return undefined;
}

/**
 * Many servers put raw UTF-8 into `filename="…"`; header values arrive byte-per-char, so a
 * value that is valid UTF-8 when read as bytes is decoded, as browsers do.
 */
function repairUtf8(value: string): string {
  // deno-lint-ignore no-control-regex -- a range over all byte values, not a control check
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  const bytes = Uint8Array.from(value, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}
