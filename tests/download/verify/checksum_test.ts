import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FileDigest, gitBlobSha1, hashFileRange } from "../../../src/download/verify/checksum.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("FileDigest matches one-shot hashes whatever the chunking", () => {
  const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 31) & 0xff);
  const digest = new FileDigest({ gitBlobSize: bytes.length });
  for (let at = 0; at < bytes.length; at += 777_777) {
    digest.update(bytes.subarray(at, at + 777_777));
  }
  assert.equal(digest.bytes, bytes.length);
  const out = digest.digest();
  assert.equal(out.sha256, createHash("sha256").update(bytes).digest("hex"));
  assert.equal(out.gitSha1, gitBlobSha1(bytes));
});

Deno.test("git blob SHA-1 is git's object id", () => {
  // `printf 'hello world' | git hash-object --stdin`
  assert.equal(gitBlobSha1(text("hello world")), "95d09f2b10159347eece71399a7e2e907ea3df4f");
  // the empty blob
  assert.equal(gitBlobSha1(new Uint8Array()), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  assert.equal(new FileDigest().digest().gitSha1, undefined);
});

Deno.test("hashFileRange reads a file back in chunks and refuses to read past the end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(2_500_000).map((_, i) => (i * 7) & 0xff);
    const path = join(dir, "f.bin");
    await Deno.writeFile(path, bytes);
    using file = await Deno.open(path, { read: true });
    const digest = new FileDigest();
    await hashFileRange(file, 0, 1_000_000, digest);
    await hashFileRange(file, 1_000_000, bytes.length, digest, new Uint8Array(65536));
    assert.equal(digest.digest().sha256, createHash("sha256").update(bytes).digest("hex"));
    await assert.rejects(
      hashFileRange(file, 0, bytes.length + 1, new FileDigest()),
      Deno.errors.UnexpectedEof,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
