import assert from "node:assert/strict";
import { join } from "node:path";
import { fetchFollowing, MAX_REDIRECTS } from "../../../src/download/net/follow_redirects.ts";
import { NightpullError } from "../../../src/errors.ts";

interface Seen {
  origin: string;
  path: string;
  method: string;
  auth: string | null;
  body: string;
}

/** A server on `hostname` answering with `route`; every request is recorded in `seen`. */
function serve(
  hostname: string,
  seen: Seen[],
  route: (url: URL) => Response,
): { url: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      origin: `http://${hostname}:${server.addr.port}`,
      path: url.pathname,
      method: req.method,
      auth: req.headers.get("authorization"),
      body: await req.text(),
    });
    return route(url);
  });
  return { url: `http://${hostname}:${server.addr.port}`, close: () => server.shutdown() };
}

const to = (location: string, status = 302) =>
  new Response(null, { status, headers: { location } });

Deno.test("Authorization reaches only its origin, also when a redirect comes back to it", async () => {
  const seen: Seen[] = [];
  let aUrl = "";
  const b = serve("127.0.0.2", seen, () => to(`${aUrl}/final`));
  const a = serve(
    "127.0.0.1",
    seen,
    (u) => u.pathname === "/final" ? new Response("ok") : to(`${b.url}/hop`),
  );
  aUrl = a.url;
  try {
    const { response, url } = await fetchFollowing(`${a.url}/start`, {
      credentials: { authorization: "Bearer hf_secret" },
    });
    assert.equal(await response.text(), "ok");
    assert.equal(url.href, `${a.url}/final`);
    assert.deepEqual(seen.map((s) => [s.path, s.auth]), [
      ["/start", "Bearer hf_secret"],
      ["/hop", null],
      ["/final", "Bearer hf_secret"],
    ]);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("a redirect to file: is refused before anything is read; the file's bytes never show", async () => {
  const dir = await Deno.makeTempDir();
  const secret = join(dir, "secret.json");
  await Deno.writeTextFile(secret, '{"marker":"FILE-MARKER-91c2"}');
  const seen: Seen[] = [];
  const a = serve("127.0.0.1", seen, () => to(`file://${secret}`));
  try {
    const err = await fetchFollowing(`${a.url}/api/models/x/y`).then(() => null, (e) => e);
    assert.ok(err instanceof NightpullError);
    assert.equal(err.code, "upstream_error");
    assert.match(err.message, /unsupported scheme "file:"/);
    assert.doesNotMatch(err.message, /FILE-MARKER/);
    assert.doesNotMatch(err.message, /secret\.json/);
    await assert.rejects(fetchFollowing(`file://${secret}`), /only http/);
  } finally {
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(`more than ${MAX_REDIRECTS} redirects -> upstream_error; exactly ${MAX_REDIRECTS} are followed`, async () => {
  const seen: Seen[] = [];
  const a = serve("127.0.0.1", seen, (u) => {
    const n = Number(u.pathname.slice(1));
    return n === 0 ? new Response("end") : to(`/${n - 1}`, 301);
  });
  try {
    const ok = await fetchFollowing(`${a.url}/${MAX_REDIRECTS}`);
    assert.equal(await ok.response.text(), "end");
    seen.length = 0;
    await assert.rejects(fetchFollowing(`${a.url}/${MAX_REDIRECTS + 1}`), /more than 10 redirects/);
    assert.equal(seen.length, MAX_REDIRECTS + 1);
  } finally {
    await a.close();
  }
});

Deno.test("307 keeps a POST and its body; 303 continues as a GET without it", async () => {
  const seen: Seen[] = [];
  const a = serve("127.0.0.1", seen, (u) => {
    if (u.pathname === "/keep") return to("/target", 307);
    if (u.pathname === "/see") return to("/target", 303);
    return new Response(null, { status: 204 });
  });
  try {
    for (const path of ["/keep", "/see"]) {
      const { response } = await fetchFollowing(`${a.url}${path}`, { method: "POST", body: "{}" });
      assert.equal(response.status, 204);
    }
    assert.deepEqual(seen.map((s) => [s.path, s.method, s.body]), [
      ["/keep", "POST", "{}"],
      ["/target", "POST", "{}"],
      ["/see", "POST", "{}"],
      ["/target", "GET", ""],
    ]);
  } finally {
    await a.close();
  }
});

Deno.test("checkUrl sees every hop; a refused hop is never requested", async () => {
  const seen: Seen[] = [];
  const b = serve("127.0.0.2", seen, () => new Response("should not be fetched"));
  const a = serve("127.0.0.1", seen, () => to(`${b.url}/x`));
  const checked: string[] = [];
  try {
    const err = await fetchFollowing(`${a.url}/start`, {
      checkUrl: (url) => {
        checked.push(url.hostname);
        if (url.hostname === "127.0.0.2") {
          throw new NightpullError("host_not_allowed", "127.0.0.2 is not in --allow-hosts");
        }
      },
    }).then(() => null, (e) => e);
    assert.equal(err?.code, "host_not_allowed");
    assert.deepEqual(checked, ["127.0.0.1", "127.0.0.2"]);
    assert.deepEqual(seen.map((s) => s.origin), [a.url]);
  } finally {
    await a.close();
    await b.close();
  }
});
