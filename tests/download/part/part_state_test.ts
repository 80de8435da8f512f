import assert from "node:assert/strict";
import { join } from "node:path";
import {
  doneRanges,
  parsePartState,
  partStatePath,
  readPartState,
  removePartState,
  sameIdentity,
  writePartState,
} from "../../../src/download/part/part_state.ts";

Deno.test("a sidecar round-trips and is removed with its temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const part = join(dir, "f.part");
    assert.equal(await readPartState(part), undefined);
    const state = {
      version: 1 as const,
      identity: { size: 100, sha256: "ab".repeat(32) },
      serverEtag: "e1",
      total: 100,
      layout: "ranges" as const,
      done: [[0, 10], [50, 60]] as [number, number][],
    };
    await writePartState(part, state);
    assert.deepEqual(await readPartState(part), state);
    assert.deepEqual(doneRanges(state), [{ start: 0, end: 10 }, { start: 50, end: 60 }]);
    await Deno.writeTextFile(`${partStatePath(part)}.tmp`, "{");
    await removePartState(part);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    await removePartState(part); // absent is fine
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable or invalid sidecar reads as absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const part = join(dir, "f.part");
    await Deno.writeTextFile(partStatePath(part), '{"version":1,"identity":{},"layout":"ap');
    assert.equal(await readPartState(part), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(parsePartState(null), undefined);
  assert.equal(parsePartState({ version: 2, identity: {}, layout: "append" }), undefined);
  assert.equal(parsePartState({ version: 1, identity: { size: -1 }, layout: "append" }), undefined);
  // ranges need a total and in-bounds pairs
  assert.equal(parsePartState({ version: 1, identity: {}, layout: "ranges", done: [] }), undefined);
  const bad = { version: 1, identity: {}, layout: "ranges", total: 10, done: [[5, 11]] };
  assert.equal(parsePartState(bad), undefined);
  const good = { version: 1, identity: {}, layout: "ranges", total: 10, done: [[5, 10]] };
  assert.deepEqual(parsePartState(good)?.done, [[5, 10]]);
});

Deno.test("sameIdentity compares only what both sides know, hashes case-insensitively", () => {
  assert.ok(sameIdentity({}, { size: 5, sha256: "AB" }));
  assert.ok(sameIdentity({ sha256: "ab", size: 5 }, { sha256: "AB" }));
  assert.ok(!sameIdentity({ sha256: "ab" }, { sha256: "cd" }));
  assert.ok(!sameIdentity({ size: 5 }, { size: 6 }));
  assert.ok(!sameIdentity({ etag: "x" }, { etag: "y" }));
});
