/**
 * The one table every benchmark prints: case, our figure, the baseline's figure from the same
 * run, the ratio and the goal. The ratio has one meaning everywhere ({@link ratio}): how many
 * times better ours is, so above 1× we are better.
 * @module
 */

/** One row of a benchmark table. */
export interface BenchRow {
  case: string;
  ours: string;
  baseline: string;
  ratio: string;
  goal: string;
}

/** What the ratio column means, printed under every table. */
export const RATIO_MEANING =
  "ratio: how many times better ours is than the baseline, above 1× we are better " +
  "(for times: the baseline's time ÷ ours; for rates: our rate ÷ the baseline's)";

/**
 * The ratio column: `baseline ÷ ours` for a time or any cost (lower is better), `ours ÷
 * baseline` for a rate (higher is better). Above 1× ours is better, in every row.
 */
export function ratio(ours: number, baseline: number, kind: "cost" | "rate" = "cost"): string {
  const r = kind === "cost" ? baseline / ours : ours / baseline;
  if (!Number.isFinite(r)) return "-";
  return `${r.toFixed(r < 10 ? 2 : r < 100 ? 1 : 0)}×`;
}

/** A row for a case that could not run here (a missing tool), saying why. */
export function skipped(label: string, why: string): BenchRow {
  return { case: label, ours: `skipped: ${why}`, baseline: "-", ratio: "-", goal: "-" };
}

/** Prints rows as an aligned Markdown table, and what the ratio means. */
export function printTable(rows: BenchRow[]): void {
  const heads: (keyof BenchRow)[] = ["case", "ours", "baseline", "ratio", "goal"];
  const widths = heads.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(heads));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(heads.map((h) => row[h])));
  console.log(`\n${RATIO_MEANING}.`);
}
