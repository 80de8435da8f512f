import assert from "node:assert/strict";
import { type HfSource, HubClient } from "../../../src/download/hub/hub_client.ts";
import { rejection } from "../_fetch_env.ts";

// The client's transport against small loopback servers: retries, timeouts, redirects and
// pagination origins (the fake hub answers these routes only correctly).

const SHA = "0123456789abcdef0123456789abcdef01234567";
const MODEL: HfSource = { kind: "hf", repoType: "model", repoId: "acme/m", revision: "main" };
const SECRET = "hf_local_secret_token_0123";

/** A small real HTTP server on loopback; `seen` records each request's path and auth. */
function serve(
  handler: (req: Request, n: number) => Response | Promise<Response>,
  hostname = "127.0.0.1",
) {
  const seen: { path: string; authorization: string | null }[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname + url.search, authorization: req.headers.get("authorization") });
    return handler(req, seen.length);
  });
  return {
    url: `http://${hostname}:${server.addr.port}`,
    seen,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

/** A client whose retry waits are recorded instead of slept. */
function client(
  endpoint: string,
  extra: { token?: string; attempts?: number; timeoutMs?: number } = {},
) {
  const sleeps: number[] = [];
  const hub = new HubClient({
    endpoint,
    token: extra.token,
    retry: { attempts: extra.attempts ?? 4, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5000 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    timeoutMs: extra.timeoutMs,
  });
  return { hub, sleeps };
}

Deno.test("api GET: a 500 is retried, then the answer is used", async () => {
  await using server = serve((_req, n) =>
    n === 1 ? json({ error: "Internal Error" }, { status: 500 }) : json({ sha: SHA, id: "acme/m" })
  );
  const { hub, sleeps } = client(server.url, { token: SECRET });
  assert.equal(await hub.resolveRevision(MODEL), SHA);
  assert.deepEqual(server.seen.map((r) => r.path), [
    "/api/models/acme/m/revision/main?expand=sha",
    "/api/models/acme/m/revision/main?expand=sha",
  ]);
  assert.deepEqual(server.seen.map((r) => r.authorization), [
    `Bearer ${SECRET}`,
    `Bearer ${SECRET}`,
  ]);
  assert.deepEqual(sleeps, [1]);
});

Deno.test("api GET: 429 waits as long as Retry-After says", async () => {
  await using server = serve((_req, n) =>
    n === 1
      ? json({ error: "slow down" }, { status: 429, headers: { "retry-after": "2" } })
      : json({ sha: SHA })
  );
  const { hub, sleeps } = client(server.url);
  assert.equal(await hub.resolveRevision(MODEL), SHA);
  assert.deepEqual(sleeps, [2000]);
});

Deno.test("api GET: a Retry-After beyond the limit fails at once with rate_limited", async () => {
  await using server = serve(() =>
    json({ error: "slow down" }, { status: 429, headers: { "retry-after": "3600" } })
  );
  const { hub, sleeps } = client(server.url);
  const err = await rejection(hub.resolveRevision(MODEL));
  assert.equal(err.code, "rate_limited");
  assert.match(err.message, /3600 s/);
  assert.equal(server.seen.length, 1);
  assert.deepEqual(sleeps, []);
});

Deno.test("api GET: persistent 503 gives up after the attempts with exponential waits", async () => {
  await using server = serve(() =>
    json({ error: "Service Unavailable" }, { status: 503, headers: { "x-error-message": "down" } })
  );
  const { hub, sleeps } = client(server.url);
  const err = await rejection(hub.resolveRevision(MODEL));
  assert.equal(err.code, "upstream_error");
  assert.equal(err.details?.status, 503);
  assert.match(err.message, /HTTP 503 for acme\/m: down/);
  assert.equal(server.seen.length, 4);
  assert.deepEqual(sleeps, [1, 2, 4]);
});

Deno.test("api GET: a connection reset is retried", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const body = JSON.stringify({ sha: SHA });
  const serving = (async () => {
    for await (const conn of listener) {
      connections++;
      if (connections > 1) {
        await conn.read(new Uint8Array(8192));
        await conn.write(new TextEncoder().encode(
          "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n" +
            `content-length: ${body.length}\r\n\r\n${body}`,
        ));
      }
      conn.close();
    }
  })();
  try {
    const { hub, sleeps } = client(`http://127.0.0.1:${listener.addr.port}`);
    assert.equal(await hub.resolveRevision(MODEL), SHA);
    assert.equal(connections, 2);
    assert.deepEqual(sleeps, [1]);
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("api GET: an unreachable endpoint is a network_error naming it, without the token", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const endpoint = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  const { hub, sleeps } = client(endpoint, { token: SECRET, attempts: 2 });
  const err = await rejection(hub.resolveRevision(MODEL));
  assert.equal(err.code, "network_error");
  assert.match(
    err.message,
    new RegExp(
      `cannot reach the hub at ${endpoint} .*is HF_ENDPOINT right\\? is the network up\\?`,
    ),
  );
  assert.equal(err.message.includes(SECRET), false);
  assert.equal(err.details?.endpoint, endpoint);
  assert.deepEqual(sleeps, [1]);
});

Deno.test("api GET: no answer within the timeout is a network_error", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  await using server = serve(async () => {
    await released;
    return json({ sha: SHA });
  });
  try {
    const { hub } = client(server.url, { attempts: 1, timeoutMs: 50 });
    const err = await rejection(hub.resolveRevision(MODEL));
    assert.equal(err.code, "network_error");
    assert.match(err.message, /no answer within 50 ms/);
  } finally {
    release();
  }
});

Deno.test("listFiles refuses a next-page link to another origin and never contacts it", async () => {
  await using other = serve(() => json([]), "127.0.0.2");
  await using server = serve(() =>
    json([{ type: "file", path: "a.txt", size: 1, oid: SHA }], {
      headers: { link: `<${other.url}/api/models/acme/m/tree/${SHA}?cursor=x>; rel="next"` },
    })
  );
  const { hub } = client(server.url, { token: SECRET });
  const err = await rejection(hub.listFiles(MODEL, SHA));
  assert.equal(err.code, "upstream_error");
  assert.match(err.message, /another origin/);
  assert.equal(other.seen.length, 0);
});

Deno.test("a mirror's next link on huggingface.co is rewritten onto the endpoint, path prefix kept", async () => {
  await using server = serve((_req, n) => {
    const entry = { type: "file", path: `f${n}.txt`, size: 1, oid: SHA };
    const link = `<https://huggingface.co/api/models/acme/m/tree/${SHA}?cursor=${n}>; rel="next"`;
    return json([entry], n < 3 ? { headers: { link } } : {});
  });
  const { hub } = client(`${server.url}/hf`, { token: SECRET });
  const files = await hub.listFiles(MODEL, SHA);
  assert.deepEqual(files.map((f) => f.path), ["f1.txt", "f2.txt", "f3.txt"]);
  assert.deepEqual(server.seen.map((r) => r.path), [
    `/hf/api/models/acme/m/tree/${SHA}?recursive=true&expand=false`,
    `/hf/api/models/acme/m/tree/${SHA}?cursor=1`,
    `/hf/api/models/acme/m/tree/${SHA}?cursor=2`,
  ]);
  assert.ok(server.seen.every((r) => r.authorization === `Bearer ${SECRET}`));
});

Deno.test("listFiles stops a listing whose next link loops", async () => {
  await using server = serve((req) => json([], { headers: { link: `<${req.url}>; rel="next"` } }));
  const { hub } = client(server.url);
  const err = await rejection(hub.listFiles(MODEL, SHA));
  assert.equal(err.code, "upstream_error");
  assert.match(err.message, /loops/);
  assert.equal(server.seen.length, 1);
});

Deno.test("listFiles refuses malformed entries and non-JSON answers; needs a commit sha", async () => {
  const bodies = [
    JSON.stringify([{ type: "file", path: "a", size: -1, oid: SHA }]),
    JSON.stringify([{ type: "file", path: "a", size: 1, oid: SHA, lfs: { oid: "zz", size: 1 } }]),
    JSON.stringify({ not: "an array" }),
    "<html>proxy login</html>",
  ];
  await using server = serve((_req, n) => new Response(bodies[n - 1]));
  const { hub } = client(server.url);
  for (const why of [/malformed entry/, /malformed entry/, /not a JSON array/, /not JSON/]) {
    const err = await rejection(hub.listFiles(MODEL, SHA));
    assert.equal(err.code, "upstream_error");
    assert.match(err.message, why);
  }
  assert.equal((await rejection(hub.listFiles(MODEL, "main"))).code, "invalid_input");
});

Deno.test("resolveRevision refuses an answer without a valid sha", async () => {
  await using server = serve(() => json({ sha: "not-a-sha" }));
  const { hub } = client(server.url);
  const err = await rejection(hub.resolveRevision(MODEL));
  assert.equal(err.code, "upstream_error");
  assert.match(err.message, /no valid commit sha/);
});

Deno.test("an api redirect to another origin does not carry the token", async () => {
  await using other = serve(() => json({ sha: SHA }), "127.0.0.2");
  await using server = serve((req) =>
    new Response(null, {
      status: 307,
      headers: { location: `${other.url}${new URL(req.url).pathname}` },
    })
  );
  const { hub } = client(server.url, { token: SECRET });
  assert.equal(await hub.resolveRevision(MODEL), SHA);
  assert.equal(server.seen[0].authorization, `Bearer ${SECRET}`);
  assert.deepEqual(other.seen, [{ path: "/api/models/acme/m/revision/main", authorization: null }]);
});

Deno.test("a same-origin api redirect (renamed repo) keeps the token", async () => {
  await using server = serve((req) =>
    new URL(req.url).pathname.includes("/old/")
      ? new Response(null, {
        status: 307,
        headers: { location: "/api/models/acme/m/revision/main" },
      })
      : json({ sha: SHA })
  );
  const { hub } = client(server.url, { token: SECRET });
  assert.equal(await hub.resolveRevision({ ...MODEL, repoId: "old/m" }), SHA);
  assert.deepEqual(server.seen.map((r) => r.authorization), [
    `Bearer ${SECRET}`,
    `Bearer ${SECRET}`,
  ]);
});

Deno.test("the run's signal cancels a hub request in flight and a retry wait", async (t) => {
  await t.step("a request the hub never answers ends when the signal aborts", async () => {
    const release = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    await using hub = serve(async () => {
      arrived.resolve();
      await release.promise;
      return json({ sha: SHA });
    });
    const controller = new AbortController();
    const client = new HubClient({
      endpoint: hub.url,
      timeoutMs: 120_000,
      signal: controller.signal,
    });
    const pending = rejection(client.resolveRevision(MODEL));
    await arrived.promise;
    controller.abort();
    const err = await pending;
    release.resolve();
    assert.equal(err.code, "interrupted");
    assert.equal(hub.seen.length, 1, "not retried after the abort");
  });
  await t.step("a wait between retries ends when the signal aborts", async () => {
    await using hub = serve(() => new Response("busy", { status: 503 }));
    const controller = new AbortController();
    const client = new HubClient({
      endpoint: hub.url,
      // a retry wait far longer than the test
      retry: { attempts: 4, baseDelayMs: 600_000, maxDelayMs: 600_000, maxRetryAfterMs: 1 },
      signal: controller.signal,
    });
    const pending = rejection(client.resolveRevision(MODEL));
    while (hub.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await pending;
    assert.equal(err.code, "interrupted");
    assert.equal(hub.seen.length, 1);
  });
});
