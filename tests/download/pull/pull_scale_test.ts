/**
 * What lets a pull scale in file count, shown on a 2,500-file generated repo: the manifest is
 * written in batched KV commits (records of one commit share one versionstamp), a no-op re-pull
 * reads the manifest a batch of at most 1000 records at a time and writes nothing, and records
 * lost from the KV come back in batched commits when the files are re-hashed and adopted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generatedRepo, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import type { LogFields, Logger } from "../../../src/log.ts";
import { pull } from "../../../src/download/pull/pull.ts";
import { manifestPrefix } from "../../../src/store/keys.ts";

const FILES = 2500;
const SOURCE = "hf:acme/many-files";

/** Every manifest record's versionstamp: one per KV commit that wrote records. */
async function manifestStamps(kv: Deno.Kv): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for await (const e of kv.list({ prefix: manifestPrefix(SOURCE) })) {
    stamps.set(String(e.key[3]), e.versionstamp);
  }
  return stamps;
}

function debugLog(): Logger & { events: { event: string; fields?: LogFields }[] } {
  const events: { event: string; fields?: LogFields }[] = [];
  const keep = (event: string, fields?: LogFields) => events.push({ event, fields });
  return { events, debug: keep, info: keep, warn: keep, error: keep };
}

Deno.test("2,500 files: batched manifest commits, a no-op re-pull reads records a batch at a time and writes none", async () => {
  const hub = await startFakeHub({
    repos: [generatedRepo({ files: FILES, size: 16 })],
    treePageSize: 1000,
  });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-scale-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data") }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const fresh = await pull({ source: SOURCE }, { config, kv, env: {}, fileConcurrency: 16 });
    assert.equal(fresh.files.done, FILES);
    const written = await manifestStamps(kv);
    assert.equal(written.size, FILES);
    const freshCommits = new Set(written.values()).size;
    // one commit per record before; now records wait up to a moment and go together
    assert.ok(freshCommits <= FILES / 4, `${freshCommits} commits for ${FILES} records`);

    // The fresh pull saved the snapshot's stamp copy (used below); without it, a no-op reads
    // the records a batch at a time.
    const copy = await Array.fromAsync(kv.list({ prefix: ["np", "stamps"] }));
    assert.ok(copy.length > 1, "the fresh pull saved a stamp copy");
    for (const e of copy) await kv.delete(e.key);
    const before = hub.requests.length;
    const log = debugLog();
    const again = await pull({ source: SOURCE }, { config, kv, env: {}, logger: log });
    assert.deepEqual(again.files, { total: FILES, done: 0, skipped: FILES });
    assert.equal(again.bytes, 0);
    const files = hub.requests.slice(before).filter((r) => r.file !== undefined);
    assert.deepEqual(files, [], "a no-op re-pull asks for no file");
    assert.deepEqual(await manifestStamps(kv), written, "a no-op re-pull rewrites no record");
    const read = log.events.find((e) => e.event === "pull.manifest_read")?.fields;
    assert.ok(read, "the scan says how it read the manifest");
    assert.equal(read.records, FILES);
    assert.equal(read.batches, Math.ceil(FILES / 1000));
    assert.ok(Number(read.largestBatch) <= 1000, `held ${read.largestBatch} records at once`);

    // That no-op found every file unchanged and saved the snapshot's stamps and paths in a few
    // values: the next one lists nothing and reads no record, and still stats every file.
    const log2 = debugLog();
    const asked = hub.requests.length;
    const third = await pull({ source: SOURCE }, { config, kv, env: {}, logger: log2 });
    assert.deepEqual(third.files, { total: FILES, done: 0, skipped: FILES });
    assert.deepEqual(third.paths.toSorted(), again.paths.toSorted());
    const paths = hub.requests.slice(asked).map((r) => r.path);
    assert.ok(!paths.some((p) => p.includes("/tree/")), `no listing: ${paths.join(" ")}`);
    assert.ok(!log2.events.some((e) => e.event === "pull.manifest_read"), "no record read");
    assert.deepEqual(await manifestStamps(kv), written, "and none rewritten");

    // Damage after the no-op: each is found and put right, the rest still skipped unchanged.
    const sorted = again.paths.toSorted(); // the snapshot paths
    const [gone, cut, moved, replaced] = [7, 700, 1400, 2100].map((i) => sorted[i]);
    const bytes = new Map<string, Uint8Array>();
    for (const p of [gone, cut, moved, replaced]) bytes.set(p, await Deno.readFile(p));
    await Deno.remove(gone); // the snapshot link deleted
    await Deno.truncate(await Deno.realPath(cut), 8); // the blob truncated
    await Deno.remove(moved); // the link now points at another file's blob
    await Deno.symlink(await Deno.readLink(replaced), moved);
    await Deno.remove(replaced); // the link replaced by a regular file of other bytes
    await Deno.writeFile(replaced, new Uint8Array(bytes.get(replaced)!.length).fill(120));
    const repaired = await pull({ source: SOURCE }, { config, kv, env: {} });
    assert.deepEqual(repaired.files, { total: FILES, done: 1, skipped: FILES - 1 });
    assert.equal(repaired.bytes, 16, "only the truncated blob is fetched again");
    for (const [p, want] of bytes) assert.deepEqual(await Deno.readFile(p), want, p);
    assert.ok((await Deno.lstat(replaced)).isSymlink, "the regular file became a link again");
    const log3 = debugLog();
    const after = await pull({ source: SOURCE }, { config, kv, env: {}, logger: log3 });
    assert.deepEqual(after.files, { total: FILES, done: 0, skipped: FILES });
    assert.ok(
      !log3.events.some((e) => e.event === "pull.manifest_read"),
      "the repair saved a copy",
    );

    // Records lost (a KV restored from an old backup): the files are re-hashed, adopted and
    // recorded again, hundreds of records to a commit.
    for (const prefix of [manifestPrefix(), ["np", "stamps"]]) {
      for await (const e of kv.list({ prefix })) await kv.delete(e.key);
    }
    const adopted = await pull({ source: SOURCE }, { config, kv, env: {} });
    assert.equal(adopted.files.skipped, FILES);
    assert.equal(adopted.bytes, 0);
    const rewritten = await manifestStamps(kv);
    assert.equal(rewritten.size, FILES);
    // a commit takes up to 1000 records and 72 KB of keys: these keys of ~160 bytes go ~450
    // to a commit
    const commits = new Set(rewritten.values()).size;
    assert.ok(commits <= FILES / 250, `${commits} commits for ${FILES} records`);
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
