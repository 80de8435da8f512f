import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startApi } from "../api/_app.ts";

const ORIGIN = "http://localhost";
const post = (body: string) => ({
  method: "POST",
  body,
  headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
});

/** A hub cache repo with two revisions of one file; `main` names the newer. */
async function twoRevisions(root: string): Promise<{ old: string; current: string }> {
  const dir = join(root, "models--acme--tiny");
  const old = "a".repeat(40);
  const current = "b".repeat(40);
  for (const [commit, text] of [[old, "old weights"], [current, "new weights"]]) {
    const blob = createHash("sha256").update(text).digest("hex");
    await Deno.mkdir(join(dir, "blobs"), { recursive: true });
    await Deno.writeTextFile(join(dir, "blobs", blob), text);
    await Deno.mkdir(join(dir, "snapshots", commit), { recursive: true });
    await Deno.symlink(`../../blobs/${blob}`, join(dir, "snapshots", commit, "weights.bin"));
    // the older snapshot is made first
    await new Promise((r) => setTimeout(r, 20));
  }
  await Deno.mkdir(join(dir, "refs"), { recursive: true });
  await Deno.writeTextFile(join(dir, "refs", "main"), current);
  return { old, current };
}

Deno.test("the cache page lists revisions and disk space; prune shows a dry run first, then removes", async () => {
  const api = await startApi();
  try {
    const root = api.config.hubCache;
    const empty = await (await api.app.request("/cache")).text();
    assert.ok(empty.includes("The cache is empty."));
    const { old, current } = await twoRevisions(root);

    const page = await (await api.app.request("/cache")).text();
    assert.ok(page.includes("acme/tiny"));
    assert.ok(page.includes(old.slice(0, 12)) && page.includes(current.slice(0, 12)));
    assert.match(page, /<meter id="disk"/);

    const dry = await api.app.request("/cache/prune", post("keep=1&dry_run=1&repo=acme%2Ftiny"));
    const dryHtml = await dry.text();
    assert.equal(dry.status, 200);
    assert.ok(dryHtml.includes("Would free 11 B"), dryHtml);
    assert.ok(dryHtml.includes("Remove them"));
    await Deno.stat(join(root, "models--acme--tiny", "snapshots", old)); // still there

    const real = await api.app.request("/cache/prune", post("keep=1&repo=acme%2Ftiny"));
    assert.equal(real.status, 200);
    assert.ok((await real.text()).includes("Freed 11 B"));
    await assert.rejects(Deno.stat(join(root, "models--acme--tiny", "snapshots", old)));
    await Deno.stat(join(root, "models--acme--tiny", "snapshots", current));

    const bad = await api.app.request("/cache/prune", post("keep=-1&dry_run=1"));
    assert.equal(bad.status, 422);
    const verify = await api.app.request("/cache/verify", post("repo=acme%2Ftiny"));
    assert.equal(verify.status, 303);
    const runId = verify.headers.get("location")!.split("/").pop()!;
    assert.equal((await api.call("GET", `/api/v1/runs/${runId}`)).json.source, "cache:verify");
  } finally {
    await api.close();
  }
});
