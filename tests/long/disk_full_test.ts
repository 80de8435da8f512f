/**
 * Disk full: a pull into a tmpfs too small for the repo fails with `disk_full`, the files
 * finished before it stay intact under their final names, the partial file is kept, and once
 * the tmpfs is grown the same pull resumes from the partial file and completes verified.
 * Needs `mount -t tmpfs` (root); skipped with a message where mounting is not permitted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeHub } from "../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../src/config.ts";
import { pull } from "../../src/download/pull.ts";
import { toNightpullError } from "../../src/errors.ts";
import { assertFinalFiles, CHAOS_FILES, chaosRepo, listTree, maxFetches } from "./_chaos.ts";

const REPO = "acme/chaos";

async function mount(args: string[]): Promise<{ ok: boolean; message: string }> {
  const out = await new Deno.Command("mount", { args, stdout: "piped", stderr: "piped" }).output()
    .catch((err: Error) => ({ success: false, stderr: new TextEncoder().encode(err.message) }));
  return { ok: out.success, message: new TextDecoder().decode(out.stderr).trim() };
}

/** A fresh tmpfs of `mib` MiB, or the reason none can be mounted here. */
async function smallTmpfs(mib: number): Promise<{ dir: string } | { reason: string }> {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-tmpfs-" });
  const res = await mount(["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir]);
  if (res.ok) return { dir };
  await Deno.remove(dir);
  return { reason: res.message || "mount failed" };
}

const probe = await smallTmpfs(1);
const unavailable = "reason" in probe ? probe.reason : null;
if ("dir" in probe) {
  await new Deno.Command("umount", { args: [probe.dir] }).output();
  await Deno.remove(probe.dir);
} else {
  console.warn(`disk full test skipped: cannot mount a tmpfs here (${unavailable})`);
}

Deno.test({
  name: "disk full: disk_full, earlier files intact, resumed and verified after space is freed",
  ignore: unavailable !== null,
  fn: async () => {
    const hub = await startFakeHub({ repos: [chaosRepo()] });
    const tmp = await Deno.makeTempDir({ prefix: "nightpull-diskfull-" });
    const env = { HOME: tmp, HF_HOME: join(tmp, "hf"), HF_ENDPOINT: hub.url };
    const config = resolveConfig({ data: join(tmp, "data"), timezone: "UTC" }, env);
    const kv = await Deno.openKv(join(tmp, "nightpull.kv"));
    const fs = await smallTmpfs(20);
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
      const error = await pull(request, { config, kv, env, fileConcurrency: 1 }).then(
        () => null,
        (err) => toNightpullError(err),
      );
      assert.ok(error, "the pull fails: the repo is twice the tmpfs");
      assert.equal(error.code, "disk_full", error.message);
      const present = await listTree(root);
      const kept = CHAOS_FILES.filter((p) => present.includes(p));
      await assertFinalFiles(hub, REPO, "local-dir", root, CHAOS_FILES, false);
      assert.ok(kept.length >= 1, "the files finished before the disk filled are there, verified");
      const parts = (await listTree(root)).filter((p) => p.endsWith(".part"));
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

      const grown = await mount(["-o", "remount,size=128m", fs.dir]);
      assert.ok(grown.ok, grown.message);
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
      await new Deno.Command("umount", { args: [fs.dir] }).output();
      await Deno.remove(fs.dir, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
