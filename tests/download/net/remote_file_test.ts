import assert from "node:assert/strict";
import { displayUrl } from "../../../src/download/net/follow_redirects.ts";
import { isStrongEtag, normalizeEtag, RemoteFile } from "../../../src/download/net/remote_file.ts";
import { NightpullError } from "../../../src/errors.ts";

interface Seen {
  origin: string;
  path: string;
  authorization: string | null;
  range: string | null;
}

/** Two loopback origins (127.0.0.1 and 127.0.0.2) answering with `route`, logging requests. */
async function withOrigins(
  route: (url: URL, a: string, b: string) => Response,
  fn: (a: string, b: string, seen: Seen[]) => Promise<void>,
) {
  const seen: Seen[] = [];
  let a = "";
  let b = "";
  const handler = (req: Request) => {
    const url = new URL(req.url);
    seen.push({
      origin: url.origin,
      path: url.pathname,
      authorization: req.headers.get("authorization"),
      range: req.headers.get("range"),
    });
    return route(url, a, b);
  };
  const one = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const two = Deno.serve({ hostname: "127.0.0.2", port: 0, onListen() {} }, handler);
  a = `http://127.0.0.1:${one.addr.port}`;
  b = `http://127.0.0.2:${two.addr.port}`;
  try {
    await fn(a, b, seen);
  } finally {
    await Promise.all([one.shutdown(), two.shutdown()]);
  }
}

const redirect = (to: string, extra: Record<string, string> = {}) =>
  new Response(null, { status: 302, headers: { location: to, ...extra } });

Deno.test("headers reach only the original origin; redirects are remembered", async () => {
  await withOrigins((url, _a, b) => {
    if (url.pathname === "/start") return redirect("/moved", {});
    if (url.pathname === "/moved") return redirect(`${b}/blob`, { "x-linked-etag": '"abc"' });
    return new Response("data");
  }, async (a, b, seen) => {
    const remote = new RemoteFile({ url: `${a}/start`, headers: { authorization: "Bearer t" } });
    const signal = new AbortController().signal;
    const first = await remote.get({ start: 5 }, signal);
    assert.equal(await first.response.text(), "data");
    assert.equal(first.url.href, `${b}/blob`);
    assert.equal(remote.linkedEtag, "abc");
    const second = await remote.get({ start: 0, end: 10 }, signal);
    await second.response.body?.cancel();
    assert.deepEqual(seen.map((s) => [s.origin, s.path, s.authorization, s.range]), [
      [a, "/start", "Bearer t", "bytes=5-"],
      [a, "/moved", "Bearer t", "bytes=5-"],
      [b, "/blob", null, "bytes=5-"],
      [b, "/blob", null, "bytes=0-9"], // straight to the remembered target
    ]);
  });
});

Deno.test("a 403 from the other origin re-resolves once; one from the original does not", async () => {
  let expired = true;
  await withOrigins((url, _a, b) => {
    if (url.pathname === "/start") return redirect(`${b}/signed`);
    if (url.pathname === "/fresh") return redirect(`${b}/fresh-signed`);
    if (url.pathname === "/signed" && expired) return new Response("expired", { status: 403 });
    if (url.pathname === "/denied") return new Response("no", { status: 403 });
    return new Response("ok");
  }, async (a) => {
    let calls = 0;
    const remote = new RemoteFile({
      url: `${a}/start`,
      reresolve: () => Promise.resolve((calls++, `${a}/fresh`)),
    });
    const signal = new AbortController().signal;
    const got = await remote.get(undefined, signal);
    assert.equal(await got.response.text(), "ok");
    assert.equal(got.url.pathname, "/fresh-signed");
    assert.equal(calls, 1);

    expired = false;
    const denied = new RemoteFile({ url: `${a}/denied`, reresolve: () => Promise.reject("no") });
    const res = await denied.get(undefined, signal);
    assert.equal(res.response.status, 403);
    await res.response.body?.cancel();
  });
});

Deno.test("redirect loops and non-http targets are refused with upstream_error", async () => {
  await withOrigins((url) => {
    if (url.pathname === "/loop") return redirect("/loop");
    return redirect("ftp://example.org/file");
  }, async (a) => {
    const signal = new AbortController().signal;
    for (const path of ["/loop", "/ftp"]) {
      await assert.rejects(
        new RemoteFile({ url: `${a}${path}` }).get(undefined, signal),
        (err) => err instanceof NightpullError && err.code === "upstream_error",
      );
    }
  });
  assert.throws(
    () => new RemoteFile({ url: "file:///etc/passwd" }),
    (err) => err instanceof NightpullError && err.code === "invalid_input",
  );
});

Deno.test("ETags are normalized and URLs shown without their query", () => {
  assert.equal(normalizeEtag('W/"abc"'), "abc");
  assert.equal(normalizeEtag('"abc"'), "abc");
  assert.equal(normalizeEtag(null), undefined);
  assert.ok(isStrongEtag('"abc"'));
  assert.ok(!isStrongEtag('W/"abc"'));
  assert.equal(displayUrl("https://cdn.example/x/y?Signature=secret"), "https://cdn.example/x/y");
});
