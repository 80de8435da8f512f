/**
 * Plain-text tables and timestamps for the management commands' human output (`--json`
 * prints the API's JSON instead).
 *
 * @example
 * ```ts
 * console.log(formatTable(["ID", "STATUS"], [["01J…", "active"]]));
 * ```
 * @module
 */

/** Columns padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (cell ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Label/value lines with the values aligned. */
export function formatFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${(k + ":").padEnd(width)} ${v}`).join("\n");
}

/** An ISO instant as `2026-11-22 02:00:00Z`; `-` for none. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return "-";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}
