/**
 * The settings table (`settings.ts`) in words: the options block of `nightpull serve --help` and
 * the README's settings table (a test keeps the README equal to {@link settingsTableRows}).
 *
 * @example
 * ```ts
 * console.log(settingsHelp()); // "  --host HOST  listen address\n      NIGHTPULL_HOST · …"
 * ```
 * @module
 */
import type { Setting } from "../setting.ts";
import { SETTINGS } from "../settings.ts";

const ALL = Object.values(SETTINGS) as Setting<unknown>[];

/** The README table's header cells. */
export const SETTINGS_TABLE_HEADER = [
  "setting",
  "flag",
  "environment",
  "file (`server.`)",
  "default",
];

const code = (text: string) => `\`${text}\``;
const plain = (markdown: string) => markdown.replaceAll("`", "");

/** `--flag ARG` of a setting; empty without a flag. */
export function flagUsage(setting: Setting<unknown>): string {
  if (!setting.flag) return "";
  return setting.arg ? `--${setting.flag} ${setting.arg}` : `--${setting.flag}`;
}

/** The environment cell of a setting (markdown). */
function envCell(setting: Setting<unknown>): string {
  return setting.envDoc ?? (setting.env ?? []).map(code).join(", else ");
}

/** One row of cells per setting, in the table's order, as the README shows them (markdown). */
export function settingsTableRows(): string[][] {
  return ALL.map((s) => [
    s.doc,
    s.flag ? code(flagUsage(s)) : "",
    envCell(s),
    s.file ? code(s.file) : "",
    s.defaultDoc,
  ]);
}

/** The README's settings table as markdown, columns padded as `deno fmt` pads them. */
export function settingsMarkdown(): string {
  const rows = [SETTINGS_TABLE_HEADER, ...settingsTableRows()]
    .map((row) => row.map((cell) => cell.replaceAll("|", "\\|")));
  const widths = SETTINGS_TABLE_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}

/**
 * The options block of `--help` for the settings `include` keeps: flag and meaning, then the
 * environment variables, the config-file key and the default on the line below.
 */
export function settingsHelp(
  include: (setting: Setting<unknown>) => boolean = (s) => !!s.flag && !s.client,
): string {
  return ALL.filter(include).map((s) => {
    const where = [
      s.flag && envCell(s) && `env ${plain(envCell(s))}`,
      s.file && `file server.${s.file}`,
      `default ${plain(s.defaultDoc)}`,
    ].filter(Boolean).join(" · ");
    const head = s.flag ? flagUsage(s) : plain(envCell(s));
    return `  ${head.padEnd(30)} ${plain(s.doc)}${
      s.multiple ? " (repeatable)" : ""
    }\n      ${where}`;
  }).join("\n");
}
