import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gitBlobSha1 } from "../../../src/download/verify/checksum.ts";
import { HashThread } from "../../../src/download/verify/hash_thread.ts";

const SIZE = 5 * 1024 * 1024 + 3;
const bytes = new Uint8Array(SIZE).map((_, i) => (i * 131 + (i >> 12)) & 0xff);
const sha256 = createHash("sha256").update(bytes).digest("hex");

function thread(): HashThread {
  const started = HashThread.spawn();
  assert.ok(started, "a Worker starts here");
  return started;
}

Deno.test("the hash thread matches one-shot hashes, fed shared and plain views", async () => {
  const hashes = thread();
  try {
    const shared = new Uint8Array(new SharedArrayBuffer(SIZE));
    shared.set(bytes);
    const digest = hashes.begin(SIZE);
    const fed: Promise<void>[] = [];
    for (let at = 0, i = 0; at < SIZE; at += 700_001, i++) {
      const from = i % 2 ? shared : bytes; // shared views cross in place, plain ones are copied
      fed.push(digest.update(from.subarray(at, Math.min(SIZE, at + 700_001))));
    }
    await Promise.all(fed);
    assert.equal(digest.bytes, SIZE);
    assert.deepEqual(await digest.digest(), { sha256, gitSha1: gitBlobSha1(bytes) });
  } finally {
    hashes.close();
  }
});

Deno.test("a file prefix is read and hashed on the thread, then the rest follows", async () => {
  const dir = await Deno.makeTempDir();
  const hashes = thread();
  try {
    const path = join(dir, "part");
    const prefix = 3 * 1024 * 1024 + 1;
    await Deno.writeFile(path, bytes.subarray(0, prefix));
    const digest = hashes.begin();
    await digest.hashFile(path, prefix);
    await digest.update(bytes.subarray(prefix));
    assert.equal(digest.bytes, SIZE);
    assert.deepEqual(await digest.digest(), { sha256 });

    // a prefix longer than the file fails that digest; the thread begins the next one cleanly
    const short = hashes.begin();
    await assert.rejects(short.hashFile(path, prefix + 1), /ends at byte/);
    await assert.rejects(short.digest(), /no digest begun/);
    const again = hashes.begin();
    await again.hashFile(path, 0);
    await again.update(bytes);
    assert.deepEqual(await again.digest(), { sha256 });
  } finally {
    hashes.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a newer digest, a close or an abort ends a digest: it rejects and is not reused", async () => {
  const dir = await Deno.makeTempDir();
  const hashes = thread();
  try {
    const old = hashes.begin();
    await old.update(bytes.subarray(0, 10));
    const next = hashes.begin();
    assert.ok(Number.isNaN(old.bytes), "an ended digest never matches a part's size");
    await assert.rejects(old.update(bytes), /newer digest/);
    assert.equal(next.bytes, 0);

    const path = join(dir, "part");
    await Deno.writeFile(path, bytes);
    const controller = new AbortController();
    const long = next.hashFile(path, SIZE, controller.signal);
    controller.abort();
    await assert.rejects(long, /closed/);
    assert.ok(Number.isNaN(next.bytes));
    await assert.rejects(hashes.begin().digest(), /closed/);
    await assert.rejects(next.hashFile(path, 1, AbortSignal.abort()));
  } finally {
    hashes.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the thread follows a growing file: each call hashes from where it was up to the new end", async () => {
  const dir = await Deno.makeTempDir();
  const hashes = thread();
  try {
    const path = join(dir, "part");
    using file = await Deno.open(path, { write: true, create: true });
    const digest = hashes.begin(SIZE);
    const followed: Promise<void>[] = [];
    for (let at = 0; at < SIZE; at += 1_000_003) {
      const end = Math.min(SIZE, at + 1_000_003);
      await file.write(bytes.subarray(at, end));
      followed.push(digest.hashFile(path, end)); // not awaited: requests queue in order
    }
    assert.equal(digest.bytes, SIZE);
    await Promise.all(followed);
    assert.deepEqual(await digest.digest(), { sha256, gitSha1: gitBlobSha1(bytes) });
  } finally {
    hashes.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a single stream hashes on a thread only for a large file with cores to spare", async () => {
  const { HASH_THREAD_FROM, HASH_THREAD_MIN_CORES, hashThreadWanted } = await import(
    "../../../src/download/transfer/stream_digest.ts"
  );
  const cases: [number | undefined, number, boolean][] = [
    [HASH_THREAD_FROM, HASH_THREAD_MIN_CORES, true],
    [undefined, HASH_THREAD_MIN_CORES, true], // size unknown: may be large
    [HASH_THREAD_FROM - 1, 16, false], // small: the thread's start costs more than it saves
    [HASH_THREAD_FROM, 2, false], // 2 cores: both already busy receiving and writing
    [10 * HASH_THREAD_FROM, HASH_THREAD_MIN_CORES - 1, false],
  ];
  for (const [total, cores, wanted] of cases) {
    assert.equal(hashThreadWanted(total, cores), wanted, `${total} bytes on ${cores} cores`);
  }
});
