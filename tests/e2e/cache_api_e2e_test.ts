/**
 * The cache over HTTP against a real server: `GET /api/v1/cache` shows what `cache ls` shows
 * plus disk figures; `POST /api/v1/cache/prune` refuses bad bodies with 422 and writes nothing,
 * and a dry run changes nothing; `POST /api/v1/cache/verify` answers 202 with a run that is
 * followed with SSE to its end, kept in the run history, and fails `checksum_mismatch` naming
 * a corrupt blob unless asked to repair it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { apiCall, startServe } from "../cli/_serve.ts";
import { cliRig } from "./_pull_cli.ts";

/** Reads a run's event stream until `end`; returns the event names and the end record. */
async function follow(base: string, runId: string) {
  const res = await fetch(`${base}/api/v1/runs/${runId}/events`);
  assert.equal(res.status, 200);
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of res.body!) {
    text += decoder.decode(chunk, { stream: true });
    if (/event: end\n/.test(text)) break;
  }
  await res.body?.cancel().catch(() => {});
  const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  const end = JSON.parse(/event: end\ndata: (.*)\n/.exec(text)![1]);
  return { events, end };
}

async function corrupt(path: string): Promise<void> {
  using f = await Deno.open(path, { read: true, write: true });
  await f.seek(3, Deno.SeekMode.Start);
  await f.write(new TextEncoder().encode("XYZ"));
}

Deno.test("cache API: GET /cache, prune validation and dry run, verify as a followed run with repair", async () => {
  const rig = await cliRig();
  assert.equal((await rig.run(["pull", "hf:acme/tiny-model"])).code, 0);
  const server = await startServe([], rig.env());
  try {
    const cache = await apiCall(server.url, "GET", "/cache");
    assert.equal(cache.status, 200);
    assert.deepEqual(cache.body.repos.map((r: { repo: string }) => r.repo), ["acme/tiny-model"]);
    assert.equal(cache.body.repos[0].revisions[0].refs[0], "main");
    assert.ok(cache.body.disk.free > 0 && cache.body.disk.total > 0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`nightpull_cache_bytes ${cache.body.size}\\b`));
    assert.match(metrics, /nightpull_disk_free_bytes [1-9]\d*/);

    const tree = async () =>
      JSON.stringify((await apiCall(server.url, "GET", "/cache")).body.repos);
    const before = await tree();
    for (
      const bad of [
        {},
        { keep: -1 },
        { keep: 1, extra: true },
        { keep: 1, repos: ["not a repo"] },
        { keep: "1" },
      ]
    ) {
      const res = await apiCall(server.url, "POST", "/cache/prune", bad);
      assert.equal(res.status, 422, JSON.stringify(bad));
      assert.ok(res.body.error.message, "says what was wrong");
    }
    const dry = await apiCall(server.url, "POST", "/cache/prune", { keep: 0, dryRun: true });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.repos.length, 0, "a snapshot main names is never pruned");
    assert.equal(await tree(), before, "nothing written");
    assert.equal(
      (await apiCall(server.url, "POST", "/cache/verify", { repair: "yes" })).status,
      422,
    );

    const weights = rig.hub.fileInfo("acme/tiny-model", "model.safetensors").sha256!;
    await corrupt(join(rig.hubCache, "models--acme--tiny-model", "blobs", weights));
    const failing = await apiCall(server.url, "POST", "/cache/verify", {
      repos: ["acme/tiny-model"],
    });
    assert.equal(failing.status, 202, JSON.stringify(failing.body));
    assert.equal(failing.body.source, "cache:verify");
    const followed = await follow(server.url, failing.body.id);
    assert.equal(followed.end.status, "failed");
    const record = await apiCall(server.url, "GET", `/runs/${failing.body.id}`);
    assert.equal(record.body.error.code, "checksum_mismatch");
    assert.match(record.body.error.message, new RegExp(weights));

    const repairing = await apiCall(server.url, "POST", "/cache/verify", { repair: true });
    assert.equal(repairing.status, 202);
    const repaired = await follow(server.url, repairing.body.id);
    assert.equal(repaired.end.status, "succeeded", JSON.stringify(repaired.end));
    assert.ok(repaired.events.includes("state"));
    const again = await apiCall(server.url, "POST", "/cache/verify", {});
    assert.equal((await follow(server.url, again.body.id)).end.status, "succeeded");
  } finally {
    await server.stop();
    await rig.close();
  }
});
