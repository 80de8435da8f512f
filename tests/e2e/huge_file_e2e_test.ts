/**
 * `nightpull pull --connections 1` of a 60 GB hub file (generated on the fly by the fake hub,
 * whose CDN, like the real one, answers 400 to a GET without Range above 50 GB): every request
 * carries Range, through two resumes, until the pull is interrupted. The free-space preflight
 * needs 60 GB free on the temp filesystem (nothing near that is written); with less the test is
 * skipped with a notice.
 * @module
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { freeBytes } from "../_tmpfs.ts";
import { cliRig, finish } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const SIZE = 60 * 1000 ** 3;

let free = 0;
try {
  free = freeBytes(tmpdir());
} catch {
  // unreadable: treated as no space, so the test is skipped with the notice below
}
const skip = free < SIZE + 2 * 1024 ** 3;
if (skip) {
  console.log(
    `skipping the 60 GB pull: ${Math.floor(free / 1024 ** 3)} GiB free in ${tmpdir()}, ` +
      `the free-space preflight needs 60 GB`,
  );
}

Deno.test({
  name: "pull --connections 1 of a 60 GB file: every request carries Range, none is refused",
  ignore: skip,
  async fn() {
    const r = await cliRig();
    try {
      r.hub.setRepo({
        id: "acme/huge",
        branches: {
          main: [{ path: "huge.bin", size: SIZE, seed: "huge", lfs: true, sha256: "6".repeat(64) }],
        },
      });
      r.hub.addFault({ path: "huge.bin", cutAfterBytes: 1_000_000, times: 2 });
      const child = r.spawn([
        "pull",
        "hf:acme/huge",
        "--connections",
        "1",
        "--min-free",
        "0",
        "--bwlimit",
        "4M",
      ]);
      const ended = finish(child);
      const cdnGets = () =>
        r.hub.requests.filter((q) => q.origin === "cdn" && q.method === "GET" && q.file);
      await waitFor(() => cdnGets().length >= 2, "two cut CDN requests", 60_000);
      child.kill("SIGINT");
      const res = await ended;
      assert.equal(res.code, 130, res.stderr);
      await r.hub.settled();
      const gets = r.hub.requests.filter((q) =>
        q.method === "GET" && (q.origin === "cdn" || q.path.includes("/resolve/"))
      );
      assert.ok(gets.length >= 3);
      assert.ok(gets.every((q) => q.range !== null), JSON.stringify(gets.map((q) => q.range)));
      assert.ok(gets.every((q) => q.status !== 400));
      assert.deepEqual(cdnGets().slice(0, 2).map((q) => [q.range, q.status]), [
        ["bytes=0-", 206],
        ["bytes=1000000-", 206],
      ]);
    } finally {
      await r.close();
    }
  },
});
