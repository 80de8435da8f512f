import assert from "node:assert/strict";
import { join } from "node:path";
import { toNightpullError } from "../src/errors.ts";

// Real refusals of the file system, each turned into its code and a line naming path and fix.

Deno.test("file-system refusals map to codes, exit 1, and name the path and the fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "np-oserr-" });
  try {
    const file = join(dir, "f");
    await Deno.writeTextFile(file, "x");
    const rows: [string, () => unknown, string, RegExp][] = [
      [
        "a file below a file",
        () => Deno.writeFileSync(join(file, "x"), new Uint8Array(1)),
        "not_a_directory",
        /^cannot write .*\/f\/x: .*\/f is a file, not a folder; move that file away or choose/,
      ],
      [
        "a folder where a file is",
        () => Deno.mkdirSync(file, { recursive: true }),
        "not_a_directory",
        /^cannot create the folder .*\/f: a file of that name is in the way; move/,
      ],
      [
        "a file written over a folder",
        () => Deno.writeFileSync(dir, new Uint8Array(1)),
        "is_a_directory",
        /^cannot write .*np-oserr-[^/]*: a folder is in the way of that file; move the folder/,
      ],
      [
        "a 256-byte name",
        () => Deno.writeFileSync(join(dir, "n".repeat(256)), new Uint8Array(1)),
        "name_too_long",
        /^cannot write .*\/n{256}: a name in that path is too long .*--exclude/,
      ],
    ];
    for (const [name, act, code, message] of rows) {
      let thrown: unknown;
      try {
        await act();
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown, `${name}: the file system refused`);
      const e = toNightpullError(thrown);
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.equal(e.exitCode, 1, name);
      assert.match(e.message, message, name);
      assert.ok(!e.message.includes("\n"), `${name}: one line`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
