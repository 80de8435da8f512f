import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../src/config.ts";
import { pull } from "../../src/download/pull/pull.ts";
import { createLogger } from "../../src/log.ts";
import { metrics, renderMetrics } from "../../src/metrics.ts";
import { allManifestEntries } from "../../src/store/manifest.ts";

Deno.test("an hf-cache blob edited in place is hashed, found changed, fetched again, logged and counted", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-repair-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const lines: string[] = [];
    const logger = createLogger({ format: "json", write: (l) => lines.push(l) });
    const run = () => pull({ source: "hf:acme/tiny-model" }, { config, kv, env: {}, logger });
    await run();
    const info = hub.fileInfo("acme/tiny-model", "model.safetensors");
    const blob = join(config.hubCache, "models--acme--tiny-model", "blobs", info.sha256);
    const entries = await allManifestEntries(kv, "hf:acme/tiny-model");
    const stat = await Deno.stat(blob);
    const recorded = entries.find((e) => e.path === "model.safetensors")!;
    assert.equal(recorded.ino, stat.ino, "the record keeps the inode");
    assert.equal(recorded.mtimeMs, stat.mtime!.getTime(), "and the mtime");

    const file = await Deno.open(blob, { write: true });
    await file.seek(4096, Deno.SeekMode.Start);
    await file.write(new Uint8Array([9, 9, 9, 9]));
    file.close();
    const before = metrics.filesRepaired.get();
    const report = await run();
    assert.equal(report.files.done, 1, "only the edited file moved");
    assert.equal(report.bytes, info.size);
    const bytes = await Deno.readFile(blob);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), info.sha256);
    assert.equal(metrics.filesRepaired.get(), before + 1);
    assert.match(renderMetrics(), /^nightpull_files_repaired_total \d+$/m);
    const repaired = lines.map((l) => JSON.parse(l)).filter((e) => e.event === "file.repaired");
    assert.deepEqual(repaired.map((e) => e.path), ["model.safetensors"]);

    const again = await run();
    assert.equal(again.bytes, 0, "the new stamp is trusted: nothing hashed away, nothing moved");
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
