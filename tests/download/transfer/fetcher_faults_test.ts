import assert from "node:assert/strict";
import { fetchFile } from "../../../src/download/transfer/fetcher.ts";
import { NightpullError } from "../../../src/errors.ts";
import { metrics } from "../../../src/metrics.ts";
import { exists, LFS_FILE, rangesByStart, rejectsWith, withFetchEnv } from "../_fetch_env.ts";

Deno.test("cut connections resume inside one call", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, cutAfterBytes: 700_000, times: 2 });
    const opts = env.options(LFS_FILE, { expected: { size: info.size, sha256: info.sha256 } });
    const result = await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    const bodies = await env.bodyRequests();
    assert.deepEqual(bodies.map((r) => r.range), ["bytes=0-", "bytes=700000-", "bytes=1400000-"]);
    assert.deepEqual(bodies.map((r) => r.bodyBytes), [700_000, 700_000, info.size - 1_400_000]);
    assert.equal(result.bytesTransferred, info.size);
  });
});

Deno.test("5xx answers are retried inside one call", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, status: 503, times: 2 });
    const attempts: number[] = [];
    const opts = env.options(LFS_FILE, {
      expected: { sha256: info.sha256 },
      retryDelay: (attempt) => (attempts.push(attempt), 1),
    });
    const retriesBefore = metrics.retries.get({ kind: "request" });
    await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(metrics.retries.get({ kind: "request" }) - retriesBefore, 2);
    await env.hub.settled();
    const cdn = env.hub.requests.filter((r) => r.origin === "cdn").map((r) => r.status);
    assert.deepEqual(cdn, [503, 503, 206]);
  });
});

Deno.test("429 is retried and its Retry-After reaches the delay function", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, status: 429, retryAfter: 7, times: 1 });
    const seen: (string | null)[] = [];
    const opts = env.options(LFS_FILE, {
      expected: { sha256: info.sha256 },
      retryDelay: (_attempt, res) => (seen.push(res?.headers.get("retry-after") ?? null), 1),
    });
    await fetchFile(opts);
    assert.deepEqual(seen, ["7"]);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
  });
});

Deno.test("persistent 5xx gives up after `retries` with upstream_error, keeping the part", async () => {
  await withFetchEnv(async (env) => {
    env.hub.addFault({ path: LFS_FILE, status: 500 });
    const opts = env.options(LFS_FILE, { retries: 2 });
    const err = await rejectsWith(fetchFile(opts), "upstream_error");
    assert.match(err.message, /HTTP 500/);
    await env.hub.settled();
    assert.equal(env.hub.requests.filter((r) => r.origin === "cdn").length, 3);
  });
});

Deno.test("a stalled connection is cut and resumed", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, stallAfterBytes: 500_000, times: 1 });
    const opts = env.options(LFS_FILE, { expected: { sha256: info.sha256 }, stallTimeoutMs: 500 });
    const result = await fetchFile(opts);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    const ranges = rangesByStart(await env.bodyRequests());
    assert.deepEqual(ranges, ["bytes=0-", "bytes=500000-"]);
    assert.equal(result.bytesTransferred, info.size);
  });
});

Deno.test("an expired signed URL calls reresolve and completes", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, expireSignedUrl: true, times: 1 });
    let calls = 0;
    const opts = env.options(LFS_FILE, {
      expected: { sha256: info.sha256 },
      reresolve: () => Promise.resolve((calls++, env.url())),
    });
    await fetchFile(opts);
    assert.equal(calls, 1);
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    await env.hub.settled();
    const cdn = env.hub.requests.filter((r) => r.origin === "cdn");
    assert.deepEqual(cdn.map((r) => r.status), [403, 206]);
    assert.ok(cdn.every((r) => r.authorization === null));
  });
});

Deno.test("without reresolve an expired signed URL is re-resolved through the original URL", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    env.hub.addFault({ path: LFS_FILE, cutAfterBytes: 600_000, times: 1 });
    const opts = env.options(LFS_FILE, { expected: { sha256: info.sha256 } });
    let once = false;
    // Expire the remembered CDN URL right after the first body was cut.
    await fetchFile({
      ...opts,
      onProgress: (done) => {
        if (done >= 600_000 && !once) {
          once = true;
          env.hub.addFault({ path: LFS_FILE, expireSignedUrl: true, times: 1 });
        }
      },
    });
    assert.deepEqual(await Deno.readFile(opts.finalPath), env.bytes());
    await env.hub.settled();
    const log = env.hub.requests.map((r) => `${r.origin} ${r.status} ${r.range ?? "-"}`);
    assert.deepEqual(log, [
      "hub 302 bytes=0-",
      "cdn 206 bytes=0-",
      "cdn 403 bytes=600000-",
      "hub 302 bytes=600000-",
      "cdn 206 bytes=600000-",
    ]);
  });
});

Deno.test("a 404 is not retried and goes through mapHttpError", async () => {
  await withFetchEnv(async (env) => {
    const opts = env.options("no/such-file.bin", {
      mapHttpError: (res) =>
        new NightpullError("entry_not_found", `mapped ${res.headers.get("x-error-code")}`),
    });
    const err = await rejectsWith(fetchFile(opts), "entry_not_found");
    assert.equal(err.message, "mapped EntryNotFound");
    assert.equal(env.hub.requests.length, 1);
    const plain = await rejectsWith(fetchFile(env.options("no/such-file.bin")), "not_found");
    assert.doesNotMatch(plain.message, /Signature|hf_fixture/);
  });
});

Deno.test("a failed fsync fails the file: nothing is renamed into place", async () => {
  await withFetchEnv(async (env) => {
    const info = env.info();
    const opts = env.options(LFS_FILE, {
      expected: { size: info.size, sha256: info.sha256 },
      connections: 1,
    });
    // writes to /dev/null succeed; its fsync is refused by the kernel (EINVAL), like a disk
    // that cannot guarantee the bytes
    await Deno.symlink("/dev/null", opts.partPath);
    await assert.rejects(() => fetchFile(opts), /os error 22/);
    assert.equal(await exists(opts.finalPath), false, "no file was put in place");
  });
});

Deno.test("a download that fails before its first byte leaves no empty part behind", async () => {
  await withFetchEnv(async (env) => {
    for (const status of [404, 500]) {
      const opts = env.options(LFS_FILE, {
        url: `${env.hub.url}/status/${status}`,
        retryDelay: () => 1,
      });
      await assert.rejects(() => fetchFile(opts));
      assert.equal(await exists(opts.partPath), false, `HTTP ${status}: no empty .part`);
      assert.equal(await exists(opts.finalPath), false);
    }
  });
});
