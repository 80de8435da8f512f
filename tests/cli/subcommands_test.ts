import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { runCli } from "../../src/cli/main.ts";
import { withSubcommands } from "../../src/cli/subcommands.ts";

Deno.test("withSubcommands runs the named subcommand with the remaining arguments", async () => {
  const seen: string[][] = [];
  const command = withSubcommands({ go: (args) => (seen.push(args), Promise.resolve(7)) }, "USAGE");
  assert.equal(await command(["go", "a", "--b"]), 7);
  assert.deepEqual(seen, [["a", "--b"]]);
});

Deno.test("an unknown or missing subcommand is a usage error listing the known ones", async () => {
  const command = withSubcommands({
    set: () => Promise.resolve(0),
    clear: () => Promise.resolve(0),
  }, "USAGE");
  for (
    const [args, why] of [[["nope"], 'unknown subcommand "nope"'], [
      [],
      "give a subcommand",
    ]] as const
  ) {
    await assert.rejects(command([...args]), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.equal(e.exitCode, 2);
      assert.equal(e.message, `${why}; expected one of set, clear\nUSAGE`);
      return true;
    });
  }
});

Deno.test("the CLI maps a bad subcommand of schedule, window and run to exit code 2", async () => {
  for (const name of ["schedule", "window", "run"]) {
    assert.equal(await runCli([name, "frobnicate"]), 2, name);
  }
});
