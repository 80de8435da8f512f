/**
 * Free-space preflight through `deno task nightpull` (the task's own permissions): a repo
 * larger than a real 16 MiB tmpfs is refused with exit 6 before any file body is served, the
 * message holding both figures; a `--min-free` larger than what is free refuses even a small
 * repo. Skipped with a notice where no tmpfs can be mounted (not root).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatBytes } from "../../src/byte_size.ts";
import { freeBytes, mountTmpfs, tmpfsUnavailable } from "../_tmpfs.ts";
import { cliRig } from "./_pull_cli.ts";

const MIB = 1024 * 1024;
const unavailable = await tmpfsUnavailable();
if (unavailable) console.warn(`disk space e2e skipped: cannot mount a tmpfs here (${unavailable})`);

const BIG = {
  id: "acme/big27",
  branches: {
    main: [
      { path: "config.json", content: '{"model_type":"big"}\n' },
      { path: "a.safetensors", size: 14 * MIB, seed: "big27-a", lfs: true },
      { path: "b.safetensors", size: 13 * MIB, seed: "big27-b", lfs: true },
    ],
  },
};

Deno.test({
  name: "preflight: a 27 MiB repo into a 16 MiB tmpfs exits 6 with both figures, no body served",
  ignore: unavailable !== null,
  fn: async () => {
    const rig = await cliRig();
    const fs = await mountTmpfs(16);
    assert.ok("dir" in fs, "tmpfs mounts");
    try {
      rig.hub.setRepo(BIG);
      const cache = join(fs.dir, "hub");
      const free = freeBytes(fs.dir);
      const res = await rig.runTask([
        "pull",
        "hf:acme/big27",
        "--cache-dir",
        cache,
        "--min-free",
        "512k",
      ]);
      assert.equal(res.code, 6, res.stderr);
      const needed = 27 * MIB + '{"model_type":"big"}\n'.length;
      assert.match(res.stderr, /insufficient_space|not enough disk space/);
      assert.ok(
        res.stderr.includes(`needs ${formatBytes(needed)} + 512 KiB reserve`),
        res.stderr,
      );
      assert.ok(res.stderr.includes(`${formatBytes(free)} free on ${cache}`), res.stderr);
      const bodies = rig.hub.requests.filter((r) => r.file !== undefined);
      assert.deepEqual(bodies, [], "the fake hub served no file body");
      console.log(`preflight message: ${res.stderr.trim()}`);
    } finally {
      await fs.close();
      await rig.close();
    }
  },
});

Deno.test({
  name: "preflight: --min-free larger than what is free refuses even a small repo (exit 6)",
  ignore: unavailable !== null,
  fn: async () => {
    const rig = await cliRig();
    const fs = await mountTmpfs(16);
    assert.ok("dir" in fs, "tmpfs mounts");
    try {
      const cache = join(fs.dir, "hub");
      const res = await rig.runTask([
        "pull",
        "hf:datasets/acme/tiny-data",
        "--cache-dir",
        cache,
        "--min-free",
        "17M",
      ]);
      assert.equal(res.code, 6, res.stderr);
      assert.ok(res.stderr.includes("+ 17.0 MiB reserve"), res.stderr);
      assert.deepEqual(rig.hub.requests.filter((r) => r.file !== undefined), []);
      // the same pull with a reserve that fits goes through under the same task
      const ok = await rig.runTask([
        "pull",
        "hf:datasets/acme/tiny-data",
        "--cache-dir",
        cache,
        "--min-free",
        "1M",
      ]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await fs.close();
      await rig.close();
    }
  },
});
