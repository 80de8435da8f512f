/**
 * Disk full mid-run: a pull that fits when it starts (the free-space preflight passes) fails
 * with `disk_full` once another writer fills the tmpfs under it; the files finished before it
 * stay intact under their final names, the partial file is kept, and once the other writer's
 * file is gone the same pull resumes from the partial file and completes verified.
 * Needs `mount -t tmpfs` (root); skipped with a message where mounting is not permitted.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { startFakeHub } from "../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../src/config.ts";
import { localDirPartPath } from "../../src/download/part/part_paths.ts";
import { pull, type PullEvent } from "../../src/download/pull/pull.ts";
import { toNightpullError } from "../../src/errors.ts";
import { freeBytes, mountTmpfs, tmpfsUnavailable } from "../_tmpfs.ts";
import { assertFinalFiles, CHAOS_FILES, chaosRepo, listTree, maxFetches } from "./_chaos.ts";

const REPO = "acme/chaos";

const unavailable = await tmpfsUnavailable();
if (unavailable) console.warn(`disk full test skipped: cannot mount a tmpfs here (${unavailable})`);

const MIB = 1024 * 1024;

function partSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** Another writer: fills what is free on the filesystem of `dir` with one file. */
function fillDisk(path: string): void {
  const free = freeBytes(dirname(path));
  using file = Deno.openSync(path, { write: true, create: true });
  const chunk = new Uint8Array(MIB);
  let left = free;
  try {
    while (left > 0) left -= file.writeSync(chunk.subarray(0, Math.min(chunk.length, left)));
  } catch {
    // ENOSPC: full, which is the point
  }
}

Deno.test({
  name: "disk full: disk_full, earlier files intact, resumed and verified after space is freed",
  ignore: unavailable !== null,
  fn: async () => {
    const hub = await startFakeHub({ repos: [chaosRepo()] });
    const tmp = await Deno.makeTempDir({ prefix: "nightpull-diskfull-" });
    const env = { HOME: tmp, HF_HOME: join(tmp, "hf"), HF_ENDPOINT: hub.url };
    // no reserve: the repo fits the tmpfs when the pull starts
    const config = resolveConfig(
      { data: join(tmp, "data"), timezone: "UTC", "min-free": "0" },
      env,
    );
    const kv = await Deno.openKv(join(tmp, "nightpull.kv"));
    const fs = await mountTmpfs(64);
    assert.ok("dir" in fs, "tmpfs mounts");
    const root = join(fs.dir, "model");
    try {
      // one file at a time, so "the files before the failure" is well defined
      const request = {
        source: `hf:${REPO}`,
        layout: "local-dir" as const,
        dir: root,
        connections: 1, // a single stream's part size is exactly what it holds
      };
      // once the first file is done and the second has its first MiB on disk, another writer
      // takes every free byte
      const filler = join(fs.dir, "other-writer.bin");
      const started: string[] = [];
      let filled = false;
      const onEvent = (e: PullEvent) => {
        if (e.type !== "progress") return;
        if (!started.includes(e.path)) started.push(e.path);
        if (!filled && e.path === started[1] && partSize(localDirPartPath(root, e.path)) >= MIB) {
          filled = true;
          fillDisk(filler);
        }
      };
      const error = await pull(request, { config, kv, env, fileConcurrency: 1, onEvent }).then(
        () => null,
        (err) => toNightpullError(err),
      );
      assert.ok(error, "the pull fails: another writer filled the disk");
      assert.equal(error.code, "disk_full", error.message);
      const present = await listTree(root);
      const kept = CHAOS_FILES.filter((p) => present.includes(p));
      await assertFinalFiles(hub, REPO, "local-dir", root, CHAOS_FILES, false);
      assert.ok(kept.length >= 1, "the files finished before the disk filled are there, verified");
      const parts = (await listTree(root)).filter((p) => p.endsWith(".part.nightpull"));
      assert.ok(parts.length >= 1, "the file being written when the disk filled keeps its part");
      // the failed transfers closed their connections (none left streaming until a timeout)
      let timer: ReturnType<typeof setTimeout> | undefined;
      const closed = await Promise.race([
        hub.settled().then(() => true),
        new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 5_000)),
      ]);
      clearTimeout(timer);
      assert.ok(closed, "no connection to the hub left open 5 s after the failed pull");
      let partBytes = 0;
      for (const p of parts) partBytes += (await Deno.stat(join(root, p))).size;
      const missing = CHAOS_FILES.filter((p) => !kept.includes(p))
        .reduce((sum, p) => sum + hub.fileInfo(REPO, p).size, 0);

      await Deno.remove(filler);
      const report = await pull(request, { config, kv, env, fileConcurrency: 1 });
      assert.equal(report.files.total, CHAOS_FILES.length);
      assert.equal(report.files.skipped, kept.length, "files already there are not fetched again");
      assert.ok(partBytes > 0 && report.bytes < missing, "the second pull did not start over");
      assert.ok(report.bytes >= missing - partBytes, "it fetched what the part lacked");
      await assertFinalFiles(hub, REPO, "local-dir", root, CHAOS_FILES, true);
      for (const path of CHAOS_FILES) assert.ok(maxFetches(hub.requests, path) <= 2, path);
      console.log(
        `disk full: ${kept.length} files intact after disk_full, ${partBytes} bytes kept in ` +
          `${parts.join(", ")}; the resumed pull fetched ${report.bytes} of ${missing} missing`,
      );
    } finally {
      kv.close();
      await hub.close();
      await fs.close();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
