import assert from "node:assert/strict";
import { join } from "node:path";
import { symlinkGuard } from "../../../src/download/layout/symlink_guard.ts";
import { NightpullError } from "../../../src/errors.ts";

Deno.test("symlink guard: links below the root refused, the root itself and missing folders fine", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outside = join(dir, "outside");
    const root = join(dir, "root");
    await Deno.mkdir(outside);
    await Deno.mkdir(join(root, "real", "deeper"), { recursive: true });
    await Deno.symlink(outside, join(root, "link"));
    await Deno.symlink(outside, join(root, "real", "nested"));
    await Deno.writeTextFile(join(outside, "file"), "x");
    await Deno.symlink(join(outside, "file"), join(root, "real", "leaf.bin"));
    // the root may be a link: the user chose it
    await Deno.symlink(root, join(dir, "root-link"));
    const guard = symlinkGuard(join(dir, "root-link"));
    await guard.check(join(dir, "root-link", "real", "deeper", "new", "file.bin"));
    await guard.check(join(dir, "root-link", "real", "leaf.bin")); // a leaf link is replaced
    await guard.check(join(dir, "elsewhere", "x")); // outside the root: not ours to judge
    for (const [path, link] of [["link/a.bin", "link"], ["real/nested/b/c.bin", "real/nested"]]) {
      const err = await guard.check(join(dir, "root-link", path)).then(() => null, (e) => e);
      assert.ok(err instanceof NightpullError, path);
      assert.equal(err.code, "unsafe_path");
      assert.ok(err.message.includes(join(dir, "root-link", link)), err.message);
      assert.ok(err.message.includes(outside), err.message);
    }
    await assert.rejects(
      guard.check(join(dir, "root-link", "real", "leaf.bin"), { leaf: true }),
      /symbolic link/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("symlink guard: a folder a sweep found missing, made a link later, is refused by the guard and by a new sweep", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outside = join(dir, "outside");
    const root = join(dir, "root");
    await Deno.mkdir(outside);
    await Deno.mkdir(root);
    const guard = symlinkGuard(root);
    const sweep = guard.sweep();
    // missing folders: fine, and every file below them checks without looking again
    for (let i = 0; i < 3; i++) await sweep.check(join(root, "later", "sub", `f${i}.bin`));
    await sweep.check(join(root, "later", `g.bin`), { leaf: true });
    await Deno.symlink(outside, join(root, "later"));
    for (const check of [guard, guard.sweep()]) {
      const err = await check.check(join(root, "later", "sub", "f9.bin")).then(
        () => null,
        (e) => e,
      );
      assert.ok(err instanceof NightpullError && err.code === "unsafe_path", String(err));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
