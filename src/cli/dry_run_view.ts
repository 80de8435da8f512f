/**
 * `pull --dry-run` as text: one line per file (what would happen, size, path), then the
 * totals and the commit.
 *
 * @example
 * ```ts
 * console.log(planText(report.plan));
 * ```
 * @module
 */
import type { DryRunPlan } from "../download/pull/dry_run.ts";
import { formatBytes } from "../byte_size.ts";
import { countText } from "./progress_text.ts";

const WORD = { present: "present", fetch: "fetch", repair: "repair" } as const;

/** The plan as lines for a terminal. */
export function planText(plan: DryRunPlan): string {
  const sizes = plan.files.map((f) => formatBytes(f.size));
  const width = Math.max(0, ...sizes.map((s) => s.length));
  const lines = plan.files.map((f, i) =>
    `${WORD[f.action].padEnd(7)}  ${sizes[i].padStart(width)}  ${f.path}`
  );
  const t = plan.totals;
  lines.push(
    `${plan.source} at ${plan.commit}: ${countText(t.files, "file")} (${formatBytes(t.bytes)}); ` +
      `${t.present.files} present (${formatBytes(t.present.bytes)}), ` +
      `${t.fetch.files} to fetch (${formatBytes(t.fetch.bytes)}), ` +
      `${t.repair.files} to repair (${formatBytes(t.repair.bytes)}); dry run: nothing transferred`,
  );
  return lines.join("\n");
}
