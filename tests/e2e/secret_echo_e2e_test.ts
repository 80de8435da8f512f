/**
 * Echo servers (issue 10, acceptance 3): a "hub" whose revision call echoes the Authorization
 * header back (as text, as the JSON `sha`, in a 4xx and a 5xx, raw, base64 and URL-encoded)
 * or redirects to a `file://` URL of a file holding a marker. Neither the hub token (in any of
 * those forms), the API token, the webhook secret nor the marker may appear in the CLI's stderr
 * (text and JSON logs), the server's log, the run record, the SSE stream, the webhook body or
 * anything stored in the KV (which keeps only the webhook secret, to sign deliveries).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { secretForms } from "../../src/secrets.ts";
import { isolatedEnv, nightpull, startServe } from "../cli/_serve.ts";

const HF_TOKEN = "hf_EchoedTokenQx7Zr93LmW";
const API_TOKEN = "np-api-token-Vb82kQ";
const HOOK_SECRET = "whsec-echo-Ty61pD";
const MARKER = "LOCAL-FILE-MARKER-5e1f";
const VARIANTS = ["text", "json-sha", "echo-4xx", "echo-5xx", "file-redirect"];

/** The echo hub: each repo name picks how the revision call answers. */
function echoHub(markerFile: string) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const auth = req.headers.get("authorization") ?? "";
    const token = auth.replace(/^Bearer /, "");
    const all = `you sent ${auth}; base64 ${Buffer.from(auth).toString("base64")}; ` +
      `urlencoded ${encodeURIComponent(token)}; b64url ${Buffer.from(token).toString("base64url")}`;
    const variant = /\/api\/models\/acme\/([^/]+)\//.exec(new URL(req.url).pathname)?.[1];
    switch (variant) {
      case "text":
        return new Response(all, { headers: { "content-type": "text/plain" } });
      case "json-sha":
        return Response.json({ sha: token, note: all });
      case "echo-4xx":
        return Response.json({ error: all }, { status: 400, headers: { "x-error-message": all } });
      case "echo-5xx":
        return new Response(all, { status: 500 });
      case "file-redirect":
        return new Response(null, { status: 302, headers: { location: `file://${markerFile}` } });
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** Every text that must not show: each secret in each form, and the marker. */
const FORBIDDEN = [
  ...[HF_TOKEN, API_TOKEN, HOOK_SECRET].flatMap(secretForms),
  MARKER,
];

function assertClean(where: string, text: string, forbidden = FORBIDDEN): void {
  for (const form of forbidden) {
    assert.ok(!text.includes(form), `${where} shows ${form}:\n${text.slice(0, 2000)}`);
  }
}

Deno.test("echoed tokens and a file:// marker never reach the CLI's stderr (text and JSON logs)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-echo-" });
  const markerFile = join(dir, "secret.json");
  await Deno.writeTextFile(markerFile, JSON.stringify({ marker: MARKER }));
  const hub = echoHub(markerFile);
  try {
    for (const format of ["text", "json"]) {
      for (const variant of VARIANTS) {
        const out = await nightpull(
          ["pull", `hf:acme/${variant}`, "--local-dir", join(dir, "out")],
          isolatedEnv(dir, {
            HF_TOKEN,
            HF_ENDPOINT: hub.url,
            NIGHTPULL_LOG_FORMAT: format,
            NIGHTPULL_LOG_LEVEL: "debug",
          }),
        );
        assert.notEqual(out.code, 0, `${variant}: ${out.stderr}`);
        assert.ok(out.stderr.length > 0, variant);
        assertClean(`${format} stderr of ${variant}`, out.stderr + out.stdout);
      }
    }
  } finally {
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("echoed tokens and a file:// marker never reach the run record, SSE, webhook, log or KV", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-echo-" });
  const markerFile = join(dir, "secret.json");
  await Deno.writeTextFile(markerFile, JSON.stringify({ marker: MARKER }));
  const hub = echoHub(markerFile);
  const bodies: string[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push(await req.text());
    return new Response(null, { status: 204 });
  });
  const kvPath = join(dir, "np.kv");
  const serve = await startServe(
    ["--data", join(dir, "data"), "--kv", kvPath, "--timezone", "UTC", "--log-format", "json"],
    isolatedEnv(dir, { HF_TOKEN, HF_ENDPOINT: hub.url, NIGHTPULL_TOKEN: API_TOKEN }),
  );
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  const base = `${serve.url}/api/v1`;
  let log = "";
  try {
    for (const variant of VARIANTS) {
      const res = await fetch(`${base}/downloads`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          source: `hf:acme/${variant}`,
          layout: "local-dir",
          dir: join(dir, "out"),
          retry: { attempts: 1 },
          webhook: { url: `http://127.0.0.1:${receiver.addr.port}/hook`, secret: HOOK_SECRET },
        }),
      });
      assert.equal(res.status, 202);
      const run = await res.json();
      // the stream ends after the run's final state
      const sse = await (await fetch(`${base}/runs/${run.id}/events`, { headers: auth })).text();
      assert.match(sse, /event: end/);
      assertClean(`SSE of ${variant}`, sse);
      const record = await (await fetch(`${base}/runs/${run.id}`, { headers: auth })).text();
      assert.equal(JSON.parse(record).status, "failed", record);
      assertClean(`run record of ${variant}`, record);
    }
    const deadline = Date.now() + 20_000;
    while (bodies.length < VARIANTS.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(bodies.length, VARIANTS.length);
    for (const body of bodies) assertClean("webhook body", body);
    const echoed = bodies.find((b) => b.includes("acme/text"));
    assert.match(echoed ?? "", /\*\*\*/, "the echo reached the message, scrubbed");
  } finally {
    assert.equal(await serve.stop(), 0);
    log = serve.log();
    await receiver.shutdown();
    await hub.close();
  }
  assertClean("server log", log);
  const kv = await Deno.openKv(kvPath);
  try {
    const rows: string[] = [];
    for await (const e of kv.list({ prefix: [] })) {
      rows.push(JSON.stringify([e.key, e.value], (_k, v) => typeof v === "bigint" ? `${v}` : v));
    }
    assert.ok(rows.length > 0);
    // the webhook secret is stored on purpose (deliveries are signed with it); nothing else is
    const held = new Set(secretForms(HOOK_SECRET));
    assertClean("KV", rows.join("\n"), FORBIDDEN.filter((f) => !held.has(f)));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
