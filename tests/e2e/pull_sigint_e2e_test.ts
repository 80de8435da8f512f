/**
 * Ctrl+C on a terminal running `deno task nightpull pull …`: the terminal sends SIGINT to the
 * whole process group, and `deno task` forwards one more to its child. The pull must still
 * write what it holds, keep the partial file and exit 130; the next run resumes with a Range.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bigRepo } from "../../fixtures/fake_hub.ts";
import { streamBufferSize } from "../../src/download/transfer/write_ring.ts";
import { filesBelow } from "../_tree.ts";
import { cliRig, finish, REPO_ROOT } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const MiB = 1024 * 1024;

/** The largest file below `dir`: the partial file of a one-file pull. */
async function largestFile(dir: string): Promise<{ path: string; size: number } | undefined> {
  let best: { path: string; size: number } | undefined;
  try {
    for await (const { path, entry } of filesBelow(dir)) {
      if (!entry.isFile) continue;
      const { size } = await Deno.stat(path);
      if (!best || size > best.size) best = { path, size };
    }
  } catch {
    // gone or changing under us: what was seen so far
  }
  return best;
}

Deno.test("deno task pull + SIGINT to the process group: exit 130, partial bytes kept, resumed with Range", async () => {
  const r = await cliRig();
  try {
    const size = 16 * MiB + 7;
    r.hub.setRepo(bigRepo(size));
    const bytes = r.hub.fileBytes("acme/big", "big.bin");
    const dir = join(r.tmp, "out");
    const args = ["pull", "hf:acme/big", "--local-dir", dir, "--min-free", "0"];
    // setsid: the task and its deno child get a process group of their own, as on a terminal.
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "task", "--quiet", "nightpull", ...args, "--bwlimit", "4M"],
      cwd: REPO_ROOT,
      env: r.env(),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let part: { path: string; size: number } | undefined;
    try {
      // The first ring buffer is on disk; the next one is filling in memory.
      await waitFor(
        async () => {
          part = await largestFile(dir);
          return part !== undefined && part.size >= streamBufferSize(size);
        },
        "the first buffer of big.bin on disk",
        60_000,
      );
    } finally {
      Deno.kill(-child.pid, "SIGINT"); // the whole group, as the terminal does
    }
    const res = await finish(child);
    assert.equal(res.code, 130, res.stderr);
    assert.match(res.stderr, /interrupted; partial files are kept/);
    const kept = await largestFile(dir);
    assert.ok(kept, "a partial file is kept");
    assert.equal(kept.path, part!.path);
    // More than the first buffer: the bytes held in memory were written before exiting.
    assert.ok(kept.size > streamBufferSize(size), `kept ${kept.size} bytes`);
    assert.ok(kept.size < size, `kept ${kept.size} bytes`);
    assert.deepEqual(await Deno.readFile(kept.path), bytes.subarray(0, kept.size));

    await r.hub.settled();
    const before = r.hub.requests.length;
    const again = await r.run(args);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await Deno.readFile(join(dir, "big.bin")), bytes);
    await r.hub.settled();
    const resumed = r.hub.requests.slice(before).filter((q) => q.file === "big.bin");
    assert.deepEqual(resumed.map((q) => q.range), [`bytes=${kept.size}-`]);
  } finally {
    await r.close();
  }
});
