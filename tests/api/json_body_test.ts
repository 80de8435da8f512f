import assert from "node:assert/strict";
import { Hono } from "hono";
import { errorHandler } from "../../src/api/errors.ts";
import { BODY_LIMIT, jsonBody, readLimited } from "../../src/api/json_body.ts";
import { silentLogger } from "../../src/log.ts";

function app(): Hono {
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  app.post("/echo", jsonBody(), async (c) => c.json({ got: await c.req.json() }));
  return app;
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  app().request("/echo", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });

async function errorOf(res: Response): Promise<[number, string, string]> {
  const body = await res.json();
  return [res.status, body.error.code, body.error.message];
}

Deno.test("a JSON body reaches the handler once read and checked", async () => {
  const res = await post('{"a":[1,2]}');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { got: { a: [1, 2] } });
  const typed = await post("[]", { "content-type": "application/merge-patch+json; charset=utf-8" });
  assert.equal(typed.status, 200);
});

Deno.test("malformed, empty and non-UTF-8 bodies answer 400 malformed_json", async () => {
  const [status, code, message] = await errorOf(await post('{"a":'));
  assert.equal(status, 400);
  assert.equal(code, "malformed_json");
  assert.match(message, /not valid JSON/);
  assert.deepEqual((await errorOf(await post(""))).slice(0, 2), [400, "malformed_json"]);
  assert.deepEqual(
    (await errorOf(await post(new Uint8Array([0x7b, 0xff, 0x7d])))).slice(0, 2),
    [400, "malformed_json"],
  );
});

Deno.test("a body that is not declared JSON answers 415", async () => {
  for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
    const [status, code, message] = await errorOf(await post("{}", { "content-type": type }));
    assert.equal(status, 415);
    assert.equal(code, "unsupported_media_type");
    assert.match(message, /application\/json/);
  }
  const res = await app().request("/echo", { method: "POST", body: "{}" });
  // a string body gets text/plain from fetch; no type at all reads the same
  assert.equal(res.status, 415);
});

Deno.test("an oversized body answers 413, by Content-Length and while streaming", async () => {
  const big = JSON.stringify({ pad: "x".repeat(BODY_LIMIT) });
  const [status, code] = await errorOf(await post(big));
  assert.equal(status, 413);
  assert.equal(code, "body_too_large");
  // a declared length over the limit is refused before a byte is read
  const declared = await post("{}", { "content-length": String(BODY_LIMIT + 1) });
  assert.deepEqual((await errorOf(declared)).slice(0, 2), [413, "body_too_large"]);
  // a stream has no Content-Length: the limit is enforced while reading
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent > BODY_LIMIT * 4) return ctrl.close();
      sent += 8192;
      ctrl.enqueue(new TextEncoder().encode(" ".repeat(8192)));
    },
  });
  const res = await app().request("/echo", {
    method: "POST",
    body: stream,
    headers: { "content-type": "application/json" },
    duplex: "half",
  } as RequestInit);
  assert.deepEqual((await errorOf(res)).slice(0, 2), [413, "body_too_large"]);
  assert.ok(sent < BODY_LIMIT * 2, `stopped reading early (read ${sent} bytes)`);
});

Deno.test("readLimited returns the exact bytes up to the limit", async () => {
  const bytes = new Uint8Array(1000).map((_, i) => i % 251);
  const stream = new Blob([bytes.subarray(0, 400), bytes.subarray(400)]).stream();
  assert.deepEqual(await readLimited(stream, 1000), bytes);
  await assert.rejects(readLimited(new Blob([bytes]).stream(), 999), /larger than 999 bytes/);
  assert.equal((await readLimited(null, 10)).byteLength, 0);
});
