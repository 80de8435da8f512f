/**
 * One writer per file across tools: Python's huggingface_hub (`hf_hub_download`, the real library
 * from ../shared/pyhf) and `nightpull pull` fetch the same big file into one cache at the same
 * moment. Both take the same flock (`<cache>/.locks/<repo>/<blob>.lock`), so one waits for the
 * other and the file is downloaded once. Skipped with a notice where python3 or pyhf is absent.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { cliRig, finish } from "./_pull_cli.ts";
import { pyhfTest, runPython } from "./_pyhf.ts";

const MIB = 1024 * 1024;

pyhfTest(
  "huggingface_hub and nightpull pull one big file into one cache: fetched once",
  async () => {
    const r = await cliRig();
    try {
      const size = 6 * MIB + 11;
      r.hub.setRepo({
        id: "acme/pybig",
        branches: { main: [{ path: "big.bin", size, seed: "pybig", lfs: true }] },
      });
      const info = r.hub.fileInfo("acme/pybig", "big.bin");
      // whoever fetches first stalls a while holding the lock, so the two surely overlap
      r.hub.addFault({ path: "big.bin", stallAfterBytes: MIB, stallMs: 3000, times: 1 });
      const hfHome = join(r.tmp, "hf");
      const python = runPython(
        "import huggingface_hub as h; print(h.hf_hub_download('acme/pybig', 'big.bin'))",
        { endpoint: r.hub.url, hfHome },
      );
      const ours = finish(r.spawn(["pull", "hf:acme/pybig"], { NIGHTPULL_MIN_FREE: "0" }));
      const [py, np] = await Promise.all([python, ours]);
      assert.equal(py.code, 0, `python: ${py.stderr}`);
      assert.equal(np.code, 0, `nightpull: ${np.stderr}`);
      await r.hub.settled();

      const path = py.stdout.trim().split("\n").pop()!;
      const bytes = await Deno.readFile(path);
      assert.equal(createHash("sha256").update(bytes).digest("hex"), info.sha256);
      const blob = join(r.hubCache, "models--acme--pybig", "blobs", info.sha256);
      assert.equal((await Deno.stat(blob)).size, size);
      const served = r.hub.bodyBytes((q) => q.file === "big.bin" && q.method === "GET");
      assert.ok(served <= 1.25 * size, `served ${served} bytes for a ${size}-byte file`);
      const blobs = [...Deno.readDirSync(join(r.hubCache, "models--acme--pybig", "blobs"))];
      assert.deepEqual(blobs.map((e) => e.name), [info.sha256], "no partial file of either tool");
      const waiter = np.stderr.includes("another process is downloading")
        ? "nightpull waited for huggingface_hub"
        : "huggingface_hub waited for nightpull";
      console.log(
        `python + nightpull: served ${served} bytes for a ${size}-byte file ` +
          `(${(served / size).toFixed(3)}x); ${waiter}`,
      );
    } finally {
      await r.close();
    }
  },
);
