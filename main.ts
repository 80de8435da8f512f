/**
 * nightpull's entry point: `deno task nightpull …` or the compiled binary runs the CLI.
 * @module
 */
import { runCli } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
