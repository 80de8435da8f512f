import assert from "node:assert/strict";
import { join } from "node:path";
import {
  commitPart,
  discardPart,
  fileSize,
  PositionedFile,
} from "../../../src/download/part/part_file.ts";
import { partStatePath, writePartState } from "../../../src/download/part/part_state.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-part-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("PositionedFile writes and reads at offsets, sequential or not", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "f.part");
    const writer = new PositionedFile(await Deno.open(path, { write: true, create: true }));
    const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
    await writer.writeAt(100, bytes(50, 2));
    await writer.writeAt(150, bytes(50, 3)); // sequential: no seek needed
    await writer.writeAt(0, bytes(100, 1));
    writer.close();
    const expected = new Uint8Array([...bytes(100, 1), ...bytes(50, 2), ...bytes(50, 3)]);
    assert.deepEqual(await Deno.readFile(path), expected);

    const reader = new PositionedFile(await Deno.open(path, { read: true }));
    const into = new Uint8Array(60);
    await reader.readAt(120, into);
    assert.deepEqual(into, expected.subarray(120, 180));
    await reader.readAt(180, into.subarray(0, 20));
    assert.deepEqual(into.subarray(0, 20), expected.subarray(180, 200));
    await assert.rejects(reader.readAt(190, into), Deno.errors.UnexpectedEof);
    reader.close();
  });
});

Deno.test("commitPart renames into a new directory and removes the sidecar", async () => {
  await withDir(async (dir) => {
    const part = join(dir, "f.part");
    const final = join(dir, "a", "b", "f.bin");
    await Deno.writeTextFile(part, "content");
    await writePartState(part, { version: 1, identity: {}, layout: "append" });
    await commitPart(part, final);
    assert.equal(await Deno.readTextFile(final), "content");
    assert.equal(await fileSize(part), undefined);
    assert.equal(await fileSize(partStatePath(part)), undefined);
  });
});

Deno.test("discardPart removes a part and its sidecar, and tolerates their absence", async () => {
  await withDir(async (dir) => {
    const part = join(dir, "f.part");
    await Deno.writeTextFile(part, "x");
    await writePartState(part, { version: 1, identity: {}, layout: "append" });
    await discardPart(part);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    await discardPart(part);
  });
});
