/**
 * No write through a foreign symlink (issue 10, acceptance 2), with the real CLI against the
 * fake hub: a link at `LD/tokenizer`, a nested one at `LD/onnx/fp16`, one at
 * `snapshots/<commit>/tokenizer` in the cache, and a folder swapped for a link while a file of
 * the pull is still coming in. Each pull exits 1 with `unsafe_path` naming the link, and
 * nothing lands in the folder the link points to.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliRig, finish } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const REPO = "acme/tiny-model";

async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out;
}

Deno.test("a symlink at LD/<folder> or nested LD/a/b stops the pull: unsafe_path, nothing outside", async () => {
  const rig = await cliRig();
  try {
    for (const [link, within] of [["tokenizer", ""], ["onnx/fp16", "onnx"]]) {
      const ld = join(rig.tmp, `ld-${within || "top"}`);
      const outside = join(rig.tmp, `outside-${within || "top"}`);
      await Deno.mkdir(outside, { recursive: true });
      if (within) await Deno.mkdir(join(ld, within), { recursive: true });
      else await Deno.mkdir(ld, { recursive: true });
      await Deno.symlink(outside, join(ld, link));
      const out = await rig.run(["pull", `hf:${REPO}`, "--local-dir", ld, "--quiet"]);
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stderr, /symbolic link/);
      assert.ok(out.stderr.includes(join(ld, link)), `names the link: ${out.stderr}`);
      assert.deepEqual(await entries(outside), [], `nothing written through ${link}`);
    }
  } finally {
    await rig.close();
  }
});

Deno.test("a symlink at snapshots/<commit>/<folder> in the cache stops the pull, nothing outside", async () => {
  const rig = await cliRig();
  try {
    const commit = rig.hub.commitOf(REPO, "main");
    const snapshot = join(rig.hubCache, "models--acme--tiny-model", "snapshots", commit);
    const outside = join(rig.tmp, "outside");
    await Deno.mkdir(outside, { recursive: true });
    await Deno.mkdir(snapshot, { recursive: true });
    await Deno.symlink(outside, join(snapshot, "tokenizer"));
    const out = await rig.run(["pull", `hf:${REPO}`, "--quiet"]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /symbolic link/);
    assert.ok(out.stderr.includes(join(snapshot, "tokenizer")), out.stderr);
    assert.deepEqual(await entries(outside), []);
  } finally {
    await rig.close();
  }
});

Deno.test("a folder swapped for a symlink while a file of the pull is coming in is caught before the rename", async () => {
  const rig = await cliRig();
  try {
    rig.hub.setRepo({
      id: "acme/swap",
      branches: {
        main: [
          { path: "first.txt", content: "written before the swap\n" },
          { path: "sub/late.bin", size: 256 * 1024, seed: "late", lfs: true },
        ],
      },
    });
    rig.hub.addFault({ path: "sub/late.bin", stallAfterBytes: 64 * 1024, stallMs: 4000 });
    const ld = join(rig.tmp, "ld");
    const outside = join(rig.tmp, "outside");
    await Deno.mkdir(join(ld, "sub"), { recursive: true });
    await Deno.mkdir(outside);
    const child = rig.spawn([
      "pull",
      "hf:acme/swap",
      "--local-dir",
      ld,
      "--connections",
      "1",
      "--quiet",
    ]);
    const result = finish(child);
    // first.txt is in place and late.bin's body is stalled half-way (its part exists): swap
    // the folder for a link between the two files
    const parts = join(ld, ".cache", "huggingface", "download");
    await waitFor(async () => {
      try {
        await Deno.stat(join(ld, "first.txt"));
        for await (const e of Deno.readDir(parts)) {
          if (e.name.endsWith(".part.nightpull")) return true;
        }
      } catch {
        // not there yet
      }
      return false;
    }, "first.txt written and late.bin under way");
    await Deno.rename(join(ld, "sub"), join(rig.tmp, "sub-moved"));
    await Deno.symlink(outside, join(ld, "sub"));
    const out = await result;
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /symbolic link/);
    assert.equal(await Deno.readTextFile(join(ld, "first.txt")), "written before the swap\n");
    assert.deepEqual(await entries(outside), [], "nothing written through the swapped link");
  } finally {
    await rig.close();
  }
});
