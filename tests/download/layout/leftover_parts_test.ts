import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { acquireFileLock } from "../../../src/download/part/file_lock.ts";
import {
  adoptLegacyPart,
  removeLeftoverParts,
} from "../../../src/download/layout/leftover_parts.ts";
import { writePartState } from "../../../src/download/part/part_state.ts";
import { pull } from "../../../src/download/pull/pull.ts";
import type { BlobJob } from "../../../src/download/pull/pull_plan.ts";

const SHA = "a".repeat(64);

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("old parts: adopted when provably ours, left alone otherwise", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const legacy = join(dir, "w.bin.part");
    const part = join(dir, "new.part.nightpull");
    const expected = { size: 10, sha256: SHA };
    const reset = async () => {
      for (const e of Deno.readDirSync(dir)) await Deno.remove(join(dir, e.name));
      await Deno.writeTextFile(legacy, "12345");
    };
    await t.step("no sidecar, proof required: a user's file, untouched", async () => {
      await reset();
      assert.equal(await adoptLegacyPart(legacy, part, expected, { proven: true }), "none");
      assert.equal(await Deno.readTextFile(legacy), "12345");
    });
    await t.step("a sidecar describing other content: untouched", async () => {
      await reset();
      await writePartState(legacy, { version: 1, identity: { size: 99 }, layout: "append" });
      assert.equal(await adoptLegacyPart(legacy, part, expected, { proven: true }), "none");
      assert.ok(await exists(legacy) && await exists(`${legacy}.json`));
    });
    await t.step("our sidecar: part and sidecar move to the new names", async () => {
      await reset();
      await writePartState(legacy, { version: 1, identity: expected, layout: "append" });
      assert.equal(await adoptLegacyPart(legacy, part, expected, { proven: true }), "adopted");
      assert.equal(await Deno.readTextFile(part), "12345");
      assert.ok(await exists(`${part}.json`));
      assert.ok(!await exists(legacy) && !await exists(`${legacy}.json`));
    });
    await t.step("a new part already there: the old one is removed", async () => {
      await reset();
      await writePartState(legacy, { version: 1, identity: expected, layout: "append" });
      await Deno.writeTextFile(part, "newer");
      assert.equal(await adoptLegacyPart(legacy, part, expected, { proven: true }), "removed");
      assert.equal(await Deno.readTextFile(part), "newer");
      assert.ok(!await exists(legacy));
    });
    await t.step(
      "hf-cache .incomplete without a sidecar is adopted (no repo path there)",
      async () => {
        await reset();
        assert.equal(await adoptLegacyPart(legacy, part, expected, { proven: false }), "adopted");
        assert.equal(await Deno.readTextFile(part), "12345");
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leftovers of a present file: removed only when nobody holds its lock, never a listed file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const job: BlobJob = {
      etag: SHA,
      size: 10,
      sha256: SHA,
      dataPath: join(dir, "w.bin"),
      partPath: join(dir, ".cache", "p.part.nightpull"),
      lockPath: join(dir, ".cache", "w.bin.lock"),
      legacyPartPath: join(dir, "w.bin.part"),
      files: [{ path: "w.bin", localPath: join(dir, "w.bin") }],
    };
    await Deno.mkdir(join(dir, ".cache"));
    await Deno.writeTextFile(job.partPath, "stale");
    const held = await acquireFileLock(job.lockPath);
    await removeLeftoverParts(job, "local-dir", new Set(["w.bin"]));
    assert.ok(await exists(job.partPath), "a holder may be repairing it: left alone");
    await held.release();
    await removeLeftoverParts(job, "local-dir", new Set(["w.bin"]));
    assert.ok(!await exists(job.partPath));

    await Deno.writeTextFile(job.legacyPartPath, "user data");
    await writePartState(job.legacyPartPath, { version: 1, identity: {}, layout: "append" });
    await removeLeftoverParts(
      job,
      "local-dir",
      new Set(["w.bin", "w.bin.part", "w.bin.part.json"]),
    );
    assert.equal(await Deno.readTextFile(job.legacyPartPath), "user data", "a repo file");
    assert.ok(await exists(`${job.legacyPartPath}.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a part left under the old hf-cache name is resumed with Range, not fetched again", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-legacy-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const info = hub.fileInfo("acme/tiny-model", "model.safetensors");
    const blobs = join(config.hubCache, "models--acme--tiny-model", "blobs");
    await Deno.mkdir(blobs, { recursive: true });
    const kept = 1024 * 1024;
    const head = hub.fileBytes("acme/tiny-model", "model.safetensors").subarray(0, kept);
    await Deno.writeFile(join(blobs, `${info.sha256}.incomplete`), head);
    const report = await pull({ source: "hf:acme/tiny-model", include: ["model.safetensors"] }, {
      config,
      kv,
      env: {},
    });
    assert.equal(report.bytes, info.size - kept, "only the missing bytes moved");
    const names = [...Deno.readDirSync(blobs)].map((e) => e.name);
    assert.deepEqual(names, [info.sha256]);
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
