import assert from "node:assert/strict";
import {
  BodyReader,
  fillCatching,
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

Deno.test("direct: the first read of a fill lands in the target, whose buffer moves to `moved`", async () => {
  const reader = new BodyReader(body([[1, 2, 3], [4, 5], [6]], true), { direct: true });
  const ring = new Uint8Array(8);
  const got = await reader.fill(ring.subarray(0, 5));
  assert.equal(got.filled, 5);
  assert.equal(got.done, false);
  assert.equal(ring.byteLength, 0, "the target's buffer went into the read");
  assert.equal(got.moved!.length, 5);
  assert.equal(got.moved!.buffer.byteLength, 8, "the whole buffer, to be used again");
  assert.deepEqual([...got.moved!], [1, 2, 3, 4, 5]);
  const last = await reader.fill(new Uint8Array(got.moved!.buffer));
  assert.deepEqual({ filled: last.filled, done: last.done }, { filled: 1, done: true });
  assert.equal(last.moved![0], 6);
});

Deno.test("direct: a read failing after the first keeps the gathered bytes, in `moved`", async () => {
  const reader = new BodyReader(body([[1, 2, 3], [4]], true, true), { direct: true });
  const target = new Uint8Array(10);
  const got = await fillCatching(reader, target);
  assert.match(String(got.failure), /connection reset/);
  assert.equal(got.filled, 4);
  assert.deepEqual([...got.moved!.subarray(0, 4)], [1, 2, 3, 4]);
});

Deno.test("direct: a failed first read gathered nothing, so nothing is lost with the buffer", async () => {
  const reader = new BodyReader(body([], true, true), { direct: true });
  const got = await fillCatching(reader, new Uint8Array(10));
  assert.match(String(got.failure), /connection reset/);
  assert.equal(got.filled, 0);
});

Deno.test("direct on a plain body: gathered as without it, the target stays in place", async () => {
  const reader = new BodyReader(body([[1, 2, 3], [4, 5]], false), { direct: true });
  const target = new Uint8Array(4);
  assert.deepEqual(await reader.fill(target), { filled: 4, done: false });
  assert.deepEqual([...target], [1, 2, 3, 4]);
});
