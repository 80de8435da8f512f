/**
 * `deno task bench`: runs every benchmark in turn, each printing one table of our figure, the
 * baseline's figure from the same run, the ratio and the goal. Pass names to run a subset:
 * `deno task bench download api`.
 * @module
 */
const BENCHES: Record<string, () => Promise<{ main: () => Promise<void> }>> = {
  download: () => import("./download.ts"),
  repo: () => import("./repo.ts"),
  scheduler: () => import("./scheduler.ts"),
  api: () => import("./api.ts"),
  time_window: () => import("./time_window.ts"),
};

if (import.meta.main) {
  const wanted = Deno.args.length ? Deno.args : Object.keys(BENCHES);
  for (const name of wanted) {
    const load = BENCHES[name];
    if (!load) {
      console.error(
        `unknown benchmark "${name}"; expected one of ${Object.keys(BENCHES).join(", ")}`,
      );
      Deno.exit(2);
    }
    console.log(`\n## ${name}`);
    await (await load()).main();
  }
}
