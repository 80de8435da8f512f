/**
 * Peer test 4 of issue 11: a local dir is shared with the real `hf download --local-dir`. Each
 * tool trusts the other's `.cache/huggingface/download/<path>.metadata`, so neither moves a
 * file body after the other (the fake hub's request log says which bodies were served).
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { HubRequest } from "../../fixtures/fake_hub.ts";
import { cliRig } from "./_pull_cli.ts";
import { pyhfTest, runHf } from "./_pyhf.ts";
import { TINY_MODEL_MAIN } from "../_tiny_model.ts";

const REPO = "acme/tiny-model";
const PATHS = TINY_MODEL_MAIN;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bodies = (requests: HubRequest[]) =>
  requests.filter((q) => q.method === "GET" && q.file !== undefined && q.status < 300);

pyhfTest("pyhf peer: hf download --local-dir after nightpull moves no file body", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "shared");
    const pulled = await r.run(["pull", `hf:${REPO}`, "--local-dir", dir]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const commit = r.hub.commitOf(REPO, "main");
    const meta = await Deno.readTextFile(
      join(dir, ".cache", "huggingface", "download", "model.safetensors.metadata"),
    );
    assert.match(
      meta,
      new RegExp(
        `^${commit}\\n${r.hub.fileInfo(REPO, "model.safetensors").sha256}\\n\\d+\\.\\d+\\n$`,
      ),
    );

    const mark = r.hub.requests.length;
    const py = await runHf(["download", REPO, "--local-dir", dir], {
      endpoint: r.hub.url,
      hfHome: join(r.tmp, "py-home"),
    });
    assert.equal(py.code, 0, py.stderr);
    await r.hub.settled();
    const after = r.hub.requests.slice(mark);
    assert.deepEqual(bodies(after).map((q) => q.file), [], "no body served to Python");
    // Python resolved the revision online, and took the listing from the tree cache we wrote
    assert.ok(after.some((q) => q.path.includes("/revision/")), "Python did ask the hub");
    assert.ok(!after.some((q) => q.path.includes("/tree/")), "our trees/<commit>.json served");
    for (const path of PATHS) {
      assert.equal(sha256(await Deno.readFile(join(dir, path))), r.hub.fileInfo(REPO, path).sha256);
    }
  } finally {
    await r.close();
  }
});

pyhfTest("pyhf peer: nightpull --local-dir after hf download moves no file body", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "shared");
    const py = await runHf(["download", REPO, "--local-dir", dir], {
      endpoint: r.hub.url,
      hfHome: join(r.tmp, "py-home"),
    });
    assert.equal(py.code, 0, py.stderr);
    assert.equal(bodies(r.hub.requests).length, PATHS.length, "Python fetched every file");

    const mark = r.hub.requests.length;
    const pulled = await r.run(["pull", `hf:${REPO}`, "--local-dir", dir, "--json"]);
    assert.equal(pulled.code, 0, pulled.stderr);
    await r.hub.settled();
    assert.deepEqual(bodies(r.hub.requests.slice(mark)).map((q) => q.file), []);
    const report = JSON.parse(pulled.stdout);
    assert.deepEqual(report.files, { total: PATHS.length, done: 0, skipped: PATHS.length });
    assert.equal(report.bytes, 0);
  } finally {
    await r.close();
  }
});
