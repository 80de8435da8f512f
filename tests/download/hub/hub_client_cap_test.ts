import assert from "node:assert/strict";
import { type HfSource, HubClient } from "../../../src/download/hub/hub_client.ts";
import { MAX_HUB_RESPONSE_BYTES } from "../../../src/download/hub/hub_http.ts";
import { standardRepos, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { rejection } from "../_fetch_env.ts";

// Hub API answers are read up to a cap: an endless or huge answer fails with
// hub_response_too_large, and the client stops reading at the cap (bounded memory).

const MiB = 1024 * 1024;
const TINY: HfSource = {
  kind: "hf",
  repoType: "model",
  repoId: "acme/tiny-model",
  revision: "main",
};

function client(endpoint: string, maxResponseBytes?: number) {
  return new HubClient({
    endpoint,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    maxResponseBytes,
  });
}

Deno.test("an endless tree listing fails with hub_response_too_large at the default cap", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  try {
    hub.addFault({ api: true, apiRoute: "tree", endlessBody: true });
    const api = client(hub.url);
    const commit = await api.resolveRevision(TINY);
    const err = await rejection(api.listFiles(TINY, commit));
    assert.equal(err.code, "hub_response_too_large");
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /\/api\/models\/acme\/tiny-model\/tree\/.* larger than 64 MiB/);
    await hub.settled();
    const tree = hub.requests.filter((r) => r.path.includes("/tree/"));
    // Never retried (it would only be as large again), and read no further than the cap: the
    // server could hand over at most the cap plus what sat in socket buffers.
    assert.equal(tree.length, 1);
    assert.ok(tree[0].bodyBytes > MAX_HUB_RESPONSE_BYTES, `served ${tree[0].bodyBytes}`);
    assert.ok(tree[0].bodyBytes < MAX_HUB_RESPONSE_BYTES + 16 * MiB, `served ${tree[0].bodyBytes}`);
  } finally {
    await hub.close();
  }
});

Deno.test("an endless revision answer fails the same way, with a small cap", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  try {
    hub.addFault({ api: true, apiRoute: "revision", endlessBody: true });
    const err = await rejection(client(hub.url, 2 * MiB).resolveRevision(TINY));
    assert.equal(err.code, "hub_response_too_large");
    assert.match(err.message, /revision\/main is larger than 2 MiB/);
    await hub.settled();
    const served = hub.bodyBytes((r) => r.path.includes("/revision/"));
    assert.ok(served < 2 * MiB + 16 * MiB, `served ${served}`);
  } finally {
    await hub.close();
  }
});

Deno.test("a Content-Length past the cap is refused before reading; an answer within it is used", async () => {
  const big = JSON.stringify({ sha: "0".repeat(40), padding: "x".repeat(4096) });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(big, { headers: { "content-type": "application/json" } }),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const err = await rejection(client(url, 1024).resolveRevision(TINY));
    assert.equal(err.code, "hub_response_too_large");
    assert.equal(await client(url, 8192).resolveRevision(TINY), "0".repeat(40));
  } finally {
    await server.shutdown();
  }
});
