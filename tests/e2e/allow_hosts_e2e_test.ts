/**
 * The outbound allow-list over the wire (issue 10, acceptance 4): a real `serve
 * --allow-hosts 127.0.0.1` refuses a webhook to a metadata address and a URL source on
 * 127.0.0.2 with 422 `host_not_allowed` (nothing stored), fails a URL whose allowed host
 * redirects to a refused one without ever asking the refused host, and still pulls from the hub
 * (whose CDN is 127.0.0.2: the hub and its redirects are always allowed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { isolatedEnv, startServe } from "../cli/_serve.ts";

async function call(url: string, method = "GET", body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function finalRun(base: string, id: string): Promise<Run> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { json } = await call(`${base}/runs/${id}`);
    if (["succeeded", "failed", "skipped"].includes(json.status)) return json;
    if (Date.now() > deadline) throw new Error(`run ${id} did not end: ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("--allow-hosts 127.0.0.1: metadata webhook and 127.0.0.2 source -> 422; redirect to a refused host fails; the hub works", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-allow-" });
  let refusedHits = 0;
  const refused = Deno.serve({ hostname: "127.0.0.2", port: 0, onListen() {} }, () => {
    refusedHits++;
    return new Response("secret internal data");
  });
  const allowed = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/hop") {
      return new Response(null, {
        status: 302,
        headers: { location: `http://127.0.0.2:${refused.addr.port}/x` },
      });
    }
    return new Response("plain bytes\n");
  });
  const serve = await startServe(
    ["--data", join(dir, "data"), "--timezone", "UTC", "--allow-hosts", "127.0.0.1"],
    isolatedEnv(dir, { HF_ENDPOINT: hub.url }),
  );
  const base = `${serve.url}/api/v1`;
  const out = join(dir, "out");
  try {
    const hook = await call(`${base}/schedules`, "POST", {
      name: "meta",
      source: "hf:acme/tiny-model",
      trigger: { type: "cron", expression: "0 2 * * *" },
      webhook: { url: "http://169.254.169.254/x" },
    });
    assert.equal(hook.status, 422);
    assert.equal(hook.json.error.code, "host_not_allowed");
    assert.match(hook.json.error.message, /webhook\.url/);
    assert.deepEqual((await call(`${base}/schedules`)).json.items, []);

    const other = await call(`${base}/downloads`, "POST", {
      source: `http://127.0.0.2:${refused.addr.port}/file.bin`,
      dir: out,
    });
    assert.equal(other.status, 422);
    assert.equal(other.json.error.code, "host_not_allowed");
    assert.match(other.json.error.message, /--allow-hosts/);

    const ok = await call(`${base}/downloads`, "POST", {
      source: `http://127.0.0.1:${allowed.addr.port}/plain.txt`,
      dir: out,
    });
    assert.equal(ok.status, 202);
    assert.equal((await finalRun(base, ok.json.id)).status, "succeeded");
    assert.equal(await Deno.readTextFile(join(out, "plain.txt")), "plain bytes\n");

    const hop = await call(`${base}/downloads`, "POST", {
      source: `http://127.0.0.1:${allowed.addr.port}/hop`,
      dir: out,
      filename: "hop.bin",
    });
    assert.equal(hop.status, 202, "the first host is allowed");
    const failed = await finalRun(base, hop.json.id);
    assert.equal(failed.status, "failed");
    assert.match(JSON.stringify(failed.error), /host_not_allowed|not in --allow-hosts/);
    await assert.rejects(Deno.stat(join(out, "hop.bin")), Deno.errors.NotFound);
    assert.equal(refusedHits, 0, "the refused host was never asked");

    const pulled = await call(`${base}/downloads`, "POST", {
      source: "hf:acme/tiny-model",
      layout: "local-dir",
      dir: join(dir, "model"),
    });
    assert.equal(pulled.status, 202);
    const run = await finalRun(base, pulled.json.id);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.ok((await Deno.stat(join(dir, "model", "config.json"))).isFile);
  } finally {
    await serve.stop();
    await refused.shutdown();
    await allowed.shutdown();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
