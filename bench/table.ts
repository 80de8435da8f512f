/**
 * The one table every benchmark prints: case, our figure, the baseline's figure from the same
 * run, the ratio and the goal.
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

/** A row for a case that could not run here (a missing tool), saying why. */
export function skipped(label: string, why: string): BenchRow {
  return { case: label, ours: `skipped: ${why}`, baseline: "-", ratio: "-", goal: "-" };
}

/** Prints rows as an aligned Markdown table. */
export function printTable(rows: BenchRow[]): void {
  const heads: (keyof BenchRow)[] = ["case", "ours", "baseline", "ratio", "goal"];
  const widths = heads.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(heads));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(heads.map((h) => row[h])));
}
