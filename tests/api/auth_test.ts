import assert from "node:assert/strict";
import { Hono } from "hono";
import { bearerAuth, bearerToken } from "../../src/api/auth.ts";
import { tokensEqual } from "../../src/tokens_equal.ts";
import { errorHandler } from "../../src/api/errors.ts";
import { silentLogger } from "../../src/log.ts";

const TOKEN = "s3cret-token-of-the-test";

function app(): Hono {
  const app = new Hono();
  app.onError(errorHandler(silentLogger));
  app.use("/api/v1/*", bearerAuth(TOKEN));
  app.get("/api/v1/thing", (c) => c.json({ ok: true }));
  return app;
}

Deno.test("tokensEqual compares whole tokens, whatever their lengths", () => {
  assert.equal(tokensEqual(TOKEN, TOKEN), true);
  assert.equal(tokensEqual(TOKEN + "x", TOKEN), false);
  assert.equal(tokensEqual(TOKEN.slice(0, -1), TOKEN), false);
  assert.equal(tokensEqual("", TOKEN), false);
});

Deno.test("bearerToken takes the scheme case-insensitively and the token verbatim", () => {
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("bearer abc"), "abc");
  assert.equal(bearerToken("Bearer  abc"), "abc");
  assert.equal(bearerToken("Bearer abc\v"), "abc\v");
  assert.equal(bearerToken("Basic abc"), null);
  assert.equal(bearerToken("Bearer"), null);
  assert.equal(bearerToken(undefined), null);
});

Deno.test("missing, foreign-scheme, wrong and padded tokens answer 401 with WWW-Authenticate", async () => {
  const cases: [Record<string, string>, string][] = [
    [{}, "auth_required"],
    [{ authorization: `Basic ${btoa("a:" + TOKEN)}` }, "auth_required"],
    [{ authorization: "Bearer wrong" }, "invalid_token"],
    [{ authorization: `Bearer ${TOKEN}x` }, "invalid_token"],
    [{ authorization: `Bearer ${TOKEN.slice(1)}` }, "invalid_token"],
    // whitespace HTTP does not strip (it drops trailing SP/HTAB itself): not ours to trim
    [{ authorization: `Bearer ${TOKEN}\v` }, "invalid_token"],
    [{ authorization: `Bearer ${TOKEN}\f` }, "invalid_token"],
    [{ authorization: `Bearer ${TOKEN}\u00a0` }, "invalid_token"],
    [{ authorization: `Bearer ${TOKEN} x` }, "invalid_token"],
  ];
  for (const [headers, code] of cases) {
    const res = await app().request("/api/v1/thing", { headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="nightpull"/);
    const body = await res.json();
    assert.equal(body.error.code, code);
    assert.ok(!JSON.stringify(body).includes(TOKEN));
  }
});

Deno.test("the right token passes", async () => {
  const res = await app().request("/api/v1/thing", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});
