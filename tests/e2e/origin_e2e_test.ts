/**
 * The same-origin rule over the wire (issue 10, acceptance 1): a real `serve` without a token
 * refuses a DNS-rebinding request and a foreign Origin with 403 `forbidden_origin` and writes
 * nothing; curl-like requests with `Host: 127.0.0.1:PORT` or `localhost:PORT` and the CLI still
 * work; `--allow-origin` opens CORS to exactly the named origin. Requests are written on a raw
 * socket so the Host header is exactly the one given.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { isolatedEnv, nightpull, startServe } from "../cli/_serve.ts";
import { rawExchange } from "./_raw_http.ts";

/** One HTTP/1.1 request with exactly these headers; status, headers (lower case) and body. */
async function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; head: string; body: string }> {
  let head = `${method} ${path} HTTP/1.1\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (body) head += `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
  const res = await rawExchange(port, head + "\r\n" + body);
  return { status: res.status, head: res.head.toLowerCase(), body: res.body };
}

Deno.test("same origin: rebinding and foreign Origin -> 403, nothing written; local use works", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-origin-" });
  let fetched = 0;
  const files = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    fetched++;
    return new Response("ssh-ed25519 AAAA attacker\n");
  });
  const serve = await startServe(
    ["--data", join(dir, "data"), "--timezone", "UTC"],
    isolatedEnv(dir),
  );
  const port = Number(new URL(serve.url).port);
  const target = join(dir, "pwn");
  try {
    const attack = JSON.stringify({
      source: `http://127.0.0.1:${files.addr.port}/README.md`,
      dir: target,
      filename: "authorized_keys",
    });
    const rebinding = await raw(port, "POST", "/api/v1/downloads", {
      Host: `attacker.example:${port}`,
      Origin: `http://attacker.example:${port}`,
    }, attack);
    assert.equal(rebinding.status, 403, rebinding.body);
    assert.equal(JSON.parse(rebinding.body).error.code, "forbidden_origin");
    const evil = await raw(port, "GET", "/api/v1/schedules", {
      Host: `127.0.0.1:${port}`,
      Origin: "http://evil.example",
    });
    assert.equal(evil.status, 403);
    assert.match(JSON.parse(evil.body).error.message, /--allow-origin/);
    assert.doesNotMatch(evil.head, /access-control-allow-origin/);
    const events = await raw(port, "GET", "/api/v1/runs/r1/events", {
      Host: `evil.example:${port}`,
    });
    assert.equal(events.status, 403, "SSE is behind the same rule");
    const tick = await raw(port, "POST", "/api/v1/scheduler/tick", {
      Host: `127.0.0.1:${port}`,
      Origin: `http://evil.example`,
    }, "{}");
    assert.equal(tick.status, 403, "the tick route is behind the same rule");
    const open = await raw(port, "GET", "/healthz", { Host: `attacker.example:${port}` });
    assert.equal(open.status, 200, "probes stay open");

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const ok = await raw(port, "GET", "/api/v1/schedules", { Host: host });
      assert.equal(ok.status, 200, host);
    }
    const same = await raw(port, "GET", "/api/v1/schedules", {
      Host: `localhost:${port}`,
      Origin: `http://localhost:${port}`,
    });
    assert.equal(same.status, 200, "a same-origin browser request passes");
    const cli = await nightpull(
      ["schedule", "ls", "--json"],
      isolatedEnv(dir, {
        NIGHTPULL_URL: serve.url,
      }),
    );
    assert.equal(cli.code, 0, cli.stderr);
    // the refused download never started: no request reached the file server, no file exists
    const list = JSON.parse(cli.stdout);
    assert.ok(Array.isArray(list.items ?? list));
    assert.equal(fetched, 0);
    await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
  } finally {
    await serve.stop();
    await files.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--allow-origin: the named origin gets CORS and passes; others stay 403", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-origin-" });
  const ui = "http://ui.example:3000";
  const serve = await startServe(
    ["--data", join(dir, "data"), "--timezone", "UTC", "--allow-origin", ui],
    isolatedEnv(dir),
  );
  const port = Number(new URL(serve.url).port);
  try {
    const preflight = await raw(port, "OPTIONS", "/api/v1/schedules", {
      Host: `127.0.0.1:${port}`,
      Origin: ui,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type",
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.head, new RegExp(`access-control-allow-origin: ${ui}`));
    const get = await raw(port, "GET", "/api/v1/schedules", {
      Host: `127.0.0.1:${port}`,
      Origin: ui,
    });
    assert.equal(get.status, 200, get.body);
    assert.match(get.head, new RegExp(`access-control-allow-origin: ${ui}`));
    const other = await raw(port, "GET", "/api/v1/schedules", {
      Host: `127.0.0.1:${port}`,
      Origin: "http://ui.example:3001",
    });
    assert.equal(other.status, 403);
    assert.doesNotMatch(other.head, /access-control-allow-origin/);
  } finally {
    await serve.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
