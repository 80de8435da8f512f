/**
 * Files over 50 GB: the hub's CDN refuses a GET without Range above that size, so every
 * request on one connection must carry a Range, from byte 0 on. The 60 GB file is generated
 * on the fly by the fake hub (never stored); the test fetches a few MB of it, through one
 * resume, and aborts.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeHub } from "../../fixtures/fake_hub.ts";
import { CDN_MAX_UNRANGED } from "../../fixtures/fake_hub_routes.ts";
import { fetchFile } from "../../src/download/transfer/fetcher.ts";
import { NightpullError } from "../../src/errors.ts";

const SIZE = 60 * 1000 ** 3;
// Hashing 60 GB is out of reach for a test: the listing claims this sha256, and the download
// is aborted long before the end where it would be checked.
const CLAIMED_SHA256 = "6".repeat(64);

Deno.test("a 60 GB file on one connection: every request carries Range, the CDN never says 400", async () => {
  const hub = await startFakeHub({
    repos: [{
      id: "acme/huge",
      branches: {
        main: [{ path: "huge.bin", size: SIZE, seed: "huge", lfs: true, sha256: CLAIMED_SHA256 }],
      },
    }],
  });
  const tmp = await Deno.makeTempDir({ prefix: "np-huge-" });
  try {
    const commit = hub.commitOf("acme/huge", "main");
    const url = `${hub.url}/acme/huge/resolve/${commit}/huge.bin`;
    assert.ok(SIZE > CDN_MAX_UNRANGED);

    // The fake CDN is as strict as the real one: a plain GET of this object is refused.
    const redirect = await fetch(url, { redirect: "manual" });
    await redirect.body?.cancel();
    const plain = await fetch(redirect.headers.get("location")!);
    await plain.body?.cancel();
    assert.equal(plain.status, 400);

    hub.addFault({ path: "huge.bin", cutAfterBytes: 1_000_000, times: 1 });
    const controller = new AbortController();
    let seen = 0;
    const err = await fetchFile({
      url,
      partPath: join(tmp, "huge.bin.part"),
      finalPath: join(tmp, "huge.bin"),
      expected: { size: SIZE, sha256: CLAIMED_SHA256 },
      connections: 1,
      signal: controller.signal,
      onProgress: (bytes) => {
        seen = Math.max(seen, bytes);
        if (bytes >= 3_000_000) controller.abort();
      },
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof NightpullError, String(err));
    assert.equal(err.code, "interrupted");
    assert.ok(seen >= 3_000_000);
    // What reached the disk is what arrived, not 60 GB of preallocation.
    const part = await Deno.stat(join(tmp, "huge.bin.part"));
    assert.ok(part.size < 64 * 1024 * 1024, `part of ${part.size} bytes`);

    await hub.settled();
    const gets = hub.requests.filter((q) => q.method === "GET" && q.path.includes("huge"));
    const cdn = gets.filter((q) => q.origin === "cdn");
    // The first CDN GET is the test's own plain one; the fetcher's follow.
    assert.deepEqual(cdn.slice(1).map((q) => [q.range, q.status]), [
      ["bytes=0-", 206],
      ["bytes=1000000-", 206],
    ]);
    const resolves = gets.filter((q) => q.origin === "hub").slice(1);
    assert.ok(resolves.length >= 1);
    assert.ok(resolves.every((q) => q.range !== null), JSON.stringify(resolves));
  } finally {
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
