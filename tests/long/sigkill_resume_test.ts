/**
 * An 80 MiB file (split over two connections) pulled under 20 SIGKILLs at random moments
 * (0.3-2.5 s into each transfer) finishes, and the CDN serves less than twice its size in
 * total: each connection records its progress at least every 8 MiB or second, so a kill loses
 * little. Before that bound (a checkpoint every 64 MiB) 30 such kills never finished the file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { bigRepo } from "../../fixtures/fake_hub.ts";
import { cliRig } from "../e2e/_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const MiB = 1024 * 1024;
const SIZE = 80 * MiB;
const KILLS = 20;
/** Per connection, from the server: 4 MiB/s for the two connections, 20 s for the file. */
const RATE = 2 * MiB;

/** The newest modification time (ms) of any file below `dir`, 0 when there is none. */
async function newestWrite(dir: string): Promise<number> {
  let newest = 0;
  const walk = async (at: string) => {
    for await (const entry of Deno.readDir(at)) {
      const path = join(at, entry.name);
      if (entry.isDirectory) await walk(path);
      else newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
    }
  };
  await walk(dir).catch(() => {});
  return newest;
}

Deno.test({
  name: "80 MiB over two connections under 20 random SIGKILLs: finishes, served < 2x its size",
  sanitizeResources: false,
  fn: async () => {
    const r = await cliRig();
    try {
      r.hub.setRepo(bigRepo(SIZE));
      r.hub.addFault({ path: "big.bin", bytesPerSecond: RATE });
      const dir = join(r.tmp, "out");
      const args = ["pull", "hf:acme/big", "--local-dir", dir, "--min-free", "0", "--quiet"];
      const delays: number[] = [];
      let finishedEarly = false;
      for (let kill = 0; kill < KILLS && !finishedEarly; kill++) {
        const spawnedAt = Date.now();
        const child = r.spawn(args);
        let ended = false;
        child.status.then(() => ended = true);
        try {
          // The transfer has begun once the run writes below the target (part or record).
          // A kill that came after the file landed leaves nothing to write: that run ends by
          // itself without a write (the file is present), which counts as finishing early.
          await waitFor(
            async () => ended || (await newestWrite(dir)) > spawnedAt,
            `kill ${kill}: the transfer starting or the run ending`,
            60_000,
          );
          if (ended) {
            finishedEarly = true;
            continue;
          }
          const delay = 300 + Math.random() * 2200;
          delays.push(Math.round(delay));
          const exited = await Promise.race([
            child.status.then(() => true),
            new Promise<false>((resolve) => setTimeout(() => resolve(false), delay)),
          ]);
          finishedEarly = exited;
        } finally {
          try {
            child.kill("SIGKILL");
          } catch {
            // already exited
          }
          const { code } = await child.output();
          if (finishedEarly) assert.equal(code, 0, `run ${kill} ended by itself`);
        }
      }
      const last = await r.run(args);
      assert.equal(last.code, 0, last.stderr);
      const hash = createHash("sha256").update(await Deno.readFile(join(dir, "big.bin")));
      assert.equal(hash.digest("hex"), r.hub.fileInfo("acme/big", "big.bin").sha256);
      await r.hub.settled();
      const served = r.hub.bodyBytes((q) => q.file === "big.bin");
      console.log(
        `sigkill resume: ${delays.length} kills (ms after the transfer began: ` +
          `${delays.join(" ")}), served ${(served / MiB).toFixed(1)} MiB for a ` +
          `${SIZE / MiB} MiB file (${(served / SIZE).toFixed(2)}x)`,
      );
      assert.ok(served < 2 * SIZE, `served ${served} bytes for a ${SIZE}-byte file`);
    } finally {
      await r.close();
    }
  },
});
