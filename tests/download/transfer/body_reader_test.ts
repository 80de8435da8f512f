import assert from "node:assert/strict";
import {
  BodyReader,
  filledBeforeError,
  PartialFill,
} from "../../../src/download/transfer/body_reader.ts";

/** A body of `chunks` that fails after them when `fail` is set; bytes-mode or plain. */
function body(chunks: number[][], bytes: boolean, fail = false): ReadableStream<Uint8Array> {
  let i = 0;
  const next = (enqueue: (c: Uint8Array) => void, close: () => void, error: (e: Error) => void) => {
    if (i < chunks.length) enqueue(new Uint8Array(chunks[i++]));
    else if (fail) error(new Error("connection reset"));
    else close();
  };
  if (bytes) {
    return new ReadableStream({
      type: "bytes",
      // A byte stream closing under a pending BYOB read must release it with respond(0).
      pull: (c) =>
        next((x) => c.enqueue(x), () => (c.close(), c.byobRequest?.respond(0)), (e) => c.error(e)),
    });
  }
  return new ReadableStream({
    pull: (c) => next((x) => c.enqueue(x), () => c.close(), (e) => c.error(e)),
  });
}

for (const bytes of [true, false]) {
  const kind = bytes ? "bytes-mode" : "plain";

  Deno.test(`${kind}: chunks are gathered into the target across fills`, async () => {
    const seen: number[] = [];
    const reader = new BodyReader(body([[1, 2, 3], [4, 5], [6, 7, 8, 9]], bytes), {
      onChunk: (c) => seen.push(c.length),
    });
    const target = new Uint8Array(4);
    assert.deepEqual(await reader.fill(target), { filled: 4, done: false });
    assert.deepEqual([...target], [1, 2, 3, 4]);
    assert.deepEqual(await reader.fill(target), { filled: 4, done: false });
    assert.deepEqual([...target], [5, 6, 7, 8]);
    assert.deepEqual(await reader.fill(target), { filled: 1, done: true });
    assert.equal(target[0], 9);
    assert.equal(seen.reduce((a, b) => a + b, 0), 9);
  });

  Deno.test(`${kind}: stop() ends a fill between chunks, keeping what arrived`, async () => {
    const reader = new BodyReader(body([[1, 2], [3, 4], [5]], bytes));
    let reads = 0;
    const target = new Uint8Array(10);
    const result = await reader.fill(target, () => reads++ >= 1);
    assert.deepEqual(result, { filled: 2, done: false, stopped: true });
    assert.deepEqual([...target.subarray(0, 2)], [1, 2]);
    await reader.cancel();
  });

  Deno.test(`${kind}: a failed read keeps the bytes gathered before it`, async () => {
    const reader = new BodyReader(body([[1, 2, 3], [4]], bytes, true));
    const target = new Uint8Array(10);
    const err = await reader.fill(target).then(() => assert.fail("resolved"), (e) => e);
    assert.ok(err instanceof PartialFill);
    assert.equal(filledBeforeError(err), 4);
    assert.match(err.message, /connection reset/);
    assert.deepEqual([...target.subarray(0, 4)], [1, 2, 3, 4]);
    assert.equal(filledBeforeError(new Error("other")), 0);
  });
}

Deno.test("pace is awaited after each chunk; its rejection keeps the bytes gathered", async () => {
  const paced: number[] = [];
  const reader = new BodyReader(body([[1, 2], [3]], true), {
    pace: (
      n,
    ) => (paced.push(n),
      paced.length > 1 ? Promise.reject(new Error("aborted")) : Promise.resolve()),
  });
  const target = new Uint8Array(8);
  const err = await reader.fill(target).then(() => assert.fail("resolved"), (e) => e);
  assert.deepEqual(paced, [2, 1]);
  assert.equal(filledBeforeError(err), 3);
  await reader.cancel();
});
