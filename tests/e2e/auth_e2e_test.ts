/**
 * Auth over the wire, against a real `serve` with a token: every `/api/v1` route of the
 * OpenAPI document (and an unknown one) answers 401 in the error shape to no token, a wrong
 * one, one with a character more or less, a trailing non-breaking space, a foreign scheme; the
 * right token passes. Requests are written on a raw socket so nothing normalizes the header.
 * HTTP itself drops trailing SP/HTAB from a field value (RFC 9110 §5.5), so "token + space" is
 * the token; vertical tab and form feed are refused by the HTTP layer (400) before the app.
 * The comparison itself is timing-safe: SHA-256 digests compared with `timingSafeEqual`
 * (src/api/auth.ts, unit-tested in tests/api/auth_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServe } from "../cli/_serve.ts";
import { rawExchange } from "./_raw_http.ts";

const TOKEN = "np-e2e-token-7f3a9c1e5b";

/** One HTTP/1.1 request on a fresh socket, header bytes exactly as given (latin-1). */
async function raw(
  port: number,
  method: string,
  path: string,
  authorization: string | null,
): Promise<{ status: number; headers: string; body: string }> {
  const body = method === "GET" || method === "DELETE" ? "" : "{}";
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
  if (authorization !== null) head += `Authorization: ${authorization}\r\n`;
  const bytes = Uint8Array.from([...head + "\r\n" + body].map((c) => c.charCodeAt(0) & 0xff));
  // SSE answers stay open: the status line and headers are all that is needed then
  const res = await rawExchange(port, bytes, { stopAtSseHead: true });
  return { status: res.status, headers: res.head, body: res.body };
}

Deno.test("auth: every /api/v1 route answers 401 to a missing, wrong or padded token", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-auth-" });
  const serve = await startServe(["--data", dir, "--timezone", "UTC"], {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    NIGHTPULL_TOKEN: TOKEN,
  });
  const port = Number(new URL(serve.url).port);
  try {
    const doc = await (await fetch(`${serve.url}/openapi.json`)).json();
    const routes: [string, string][] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      if (!path.startsWith("/api/v1/")) continue;
      for (const method of Object.keys(ops)) {
        routes.push([method.toUpperCase(), path.replaceAll("{id}", "01JAAAAAAAAAAAAAAAAAAAAAAA")]);
      }
    }
    routes.push(["GET", "/api/v1/no-such-route"]);
    assert.ok(routes.length >= 20, `${routes.length} routes`);
    const refused: [string | null, string][] = [
      [null, "auth_required"],
      ["Bearer wrong", "invalid_token"],
      [`Bearer ${TOKEN}x`, "invalid_token"],
      [`Bearer ${TOKEN.slice(0, -1)}`, "invalid_token"],
      [`Bearer x${TOKEN}`, "invalid_token"],
      [`Bearer ${TOKEN}\u00a0`, "invalid_token"],
      [`Bearer ${TOKEN} x`, "invalid_token"],
      [`Bearer ${TOKEN.toUpperCase()}`, "invalid_token"],
      [`Basic ${btoa(`user:${TOKEN}`)}`, "auth_required"],
      [TOKEN, "auth_required"],
      ["Bearer ", "auth_required"],
    ];
    let checked = 0;
    for (const [method, path] of routes) {
      for (const [authorization, code] of refused) {
        const res = await raw(port, method, path, authorization);
        const what = `${method} ${path} with ${JSON.stringify(authorization)}`;
        assert.equal(res.status, 401, `${what}: ${res.status} ${res.body}`);
        assert.match(res.headers, /www-authenticate: Bearer realm="nightpull"/i, what);
        const json = JSON.parse(res.body);
        assert.equal(json.error.code, code, what);
        assert.ok(!res.body.includes(TOKEN.slice(4)), `${what}: the answer echoes no token`);
        checked++;
      }
      // control characters never reach the app: the HTTP layer refuses the request
      for (const bad of [`Bearer ${TOKEN}\v`, `Bearer ${TOKEN}\f`]) {
        const res = await raw(port, method, path, bad);
        assert.equal(res.status, 400, `${method} ${path} with a control character`);
      }
      // trailing SP/HTAB are not part of a field value in HTTP: this is the token itself
      for (const padded of [`Bearer ${TOKEN}`, `Bearer ${TOKEN} `, `Bearer ${TOKEN}\t`]) {
        const res = await raw(port, method, path, padded);
        assert.notEqual(res.status, 401, `${method} ${path} with the right token`);
        assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${res.body}`);
      }
    }
    console.log(`auth: ${routes.length} routes × ${refused.length} refused tokens = ${checked}`);
  } finally {
    const code = await serve.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, serve.log());
  }
});
