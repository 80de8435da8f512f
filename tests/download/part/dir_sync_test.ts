import assert from "node:assert/strict";
import { join } from "node:path";
import { syncDirectory } from "../../../src/download/part/dir_sync.ts";

Deno.test("directory fsyncs: callers during a running sync share the next one, started after them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-dirsync-" });
  try {
    await Deno.writeTextFile(join(dir, "a"), "a");
    const first = syncDirectory(dir);
    // the first fsync is running: these renames happened after it began, so they must wait
    // for one that starts later, and they all share it
    const second = syncDirectory(dir);
    const third = syncDirectory(dir);
    assert.notEqual(first, second);
    assert.equal(second, third);
    let firstDone = false;
    void first.then(() => firstDone = true);
    await second;
    assert.ok(firstDone, "the shared sync ran after the one already running");
    // idle again: a new caller starts a sync of its own at once
    const fourth = syncDirectory(dir);
    assert.notEqual(fourth, second);
    await Promise.all([fourth, syncDirectory(join(dir, "missing"))]); // best effort: no throw
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
