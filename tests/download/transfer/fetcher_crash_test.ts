import assert from "node:assert/strict";
import { join } from "node:path";
import { bigRepo } from "../../../fixtures/fake_hub.ts";
import { fetchFile, type FetchFileOptions } from "../../../src/download/transfer/fetcher.ts";
import { readPartState } from "../../../src/download/part/part_state.ts";
import { streamBufferSize } from "../../../src/download/transfer/write_ring.ts";
import { exists, withFetchEnv } from "../_fetch_env.ts";
import { waitFor } from "../../_support/wait.ts";

const MiB = 1024 * 1024;

Deno.test("a process killed mid-download leaves no final file; the next run resumes its part", async () => {
  await withFetchEnv(async (env) => {
    const size = 12 * MiB + 3;
    env.hub.setRepo(bigRepo(size));
    const info = env.hub.fileInfo("acme/big", "big.bin");
    // The server goes silent after 7 MiB: the child has written its full buffers by then.
    env.hub.addFault({ path: "big.bin", stallAfterBytes: 7 * MiB, times: 1 });
    const buffer = streamBufferSize(size);
    const landed = Math.floor(7 * MiB / buffer) * buffer;
    const options: FetchFileOptions = {
      url: `${env.hub.url}/acme/big/resolve/main/big.bin`,
      partPath: join(env.dir, "big.bin.part"),
      finalPath: join(env.dir, "big.bin"),
      expected: { size: info.size, sha256: info.sha256 },
      connections: 1,
    };
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../_fetch_child.ts", import.meta.url).pathname,
        JSON.stringify(options),
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    let partSize = 0;
    try {
      await waitFor(
        () => {
          try {
            partSize = Deno.statSync(options.partPath).size;
          } catch {
            partSize = 0;
          }
          return partSize >= landed;
        },
        `${landed} bytes in the part`,
        20_000,
      );
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
    assert.equal(partSize, landed);
    assert.equal(await exists(options.finalPath), false);
    assert.equal((await readPartState(options.partPath))?.identity.sha256, info.sha256);
    await env.hub.settled();
    const before = env.hub.requests.length;

    const result = await fetchFile({ ...options, retryDelay: () => 1 });
    assert.equal(result.resumedFrom, landed);
    assert.equal(result.bytesTransferred, size - landed);
    assert.deepEqual(
      await Deno.readFile(options.finalPath),
      env.hub.fileBytes("acme/big", "big.bin"),
    );
    await env.hub.settled();
    const resumed = env.hub.requests.slice(before).filter((r) => r.file === "big.bin");
    assert.deepEqual(resumed.map((r) => r.range), [`bytes=${landed}-`]);
  });
});
