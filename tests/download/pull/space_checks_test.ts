import assert from "node:assert/strict";
import { diskSpace } from "../../../src/download/layout/disk_space.ts";
import { SpaceChecks, WIDE_MARGIN } from "../../../src/download/pull/space_checks.ts";
import { NightpullError } from "../../../src/errors.ts";

Deno.test("free space before each file: a narrow margin is asked again every time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-space-" });
  try {
    const free = (await diskSpace(dir)).free;
    // the preflight leaves less than the wide margin above need + reserve
    let needed = Math.max(0, free - WIDE_MARGIN / 2);
    const checks = new SpaceChecks(() => ({ path: dir, needed, reserve: 0 }));
    await checks.check();
    // another writer (here: a larger need) eats the margin: the very next check sees it
    needed = free + WIDE_MARGIN;
    await assert.rejects(
      checks.checkSoon(),
      (err) => err instanceof NightpullError && err.code === "insufficient_space",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("free space before each file: asked at least once before the first file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-space-" });
  try {
    const free = (await diskSpace(dir)).free;
    const checks = new SpaceChecks(() => ({ path: dir, needed: free + 1, reserve: 0 }));
    await assert.rejects(
      checks.checkSoon(),
      (err) => err instanceof NightpullError && err.code === "insufficient_space",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
