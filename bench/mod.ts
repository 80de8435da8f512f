/**
 * `deno task bench`: runs every benchmark in turn (their notes go by as they run), then prints
 * ONE table of every row: our figure, the baseline's figure from the same run, the ratio and
 * the goal. Pass names to run a subset: `deno task bench download api`.
 * @module
 */
import { type BenchRow, printTable } from "./table.ts";

type Bench = { main: (print?: boolean) => Promise<BenchRow[]> };

const BENCHES: Record<string, () => Promise<Bench>> = {
  download: () => import("./download.ts"),
  repo: () => import("./repo.ts"),
  peers: () => import("./peers.ts"),
  many_files: () => import("./many_files.ts"),
  scheduler: () => import("./scheduler.ts"),
  api: () => import("./api.ts"),
  time_window: () => import("./time_window.ts"),
  dashboard: () => import("./dashboard.ts"),
};

if (import.meta.main) {
  const wanted = Deno.args.length ? Deno.args : Object.keys(BENCHES);
  const unknown = wanted.filter((name) => !BENCHES[name]);
  if (unknown.length) {
    console.error(
      `unknown benchmark "${unknown[0]}"; expected one of ${Object.keys(BENCHES).join(", ")}`,
    );
    Deno.exit(2);
  }
  const rows: BenchRow[] = [];
  for (const name of wanted) {
    console.log(`\n## ${name}`);
    const started = performance.now();
    try {
      for (const row of await (await BENCHES[name]()).main(false)) {
        rows.push({ ...row, case: `${name}: ${row.case}` });
      }
    } catch (err) {
      // one broken benchmark must not hide the others' figures
      console.error(`${name} failed: ${(err as Error).stack ?? err}`);
      rows.push({ case: name, ours: "FAILED (see above)", baseline: "-", ratio: "-", goal: "-" });
    }
    console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log("");
  printTable(rows);
}
