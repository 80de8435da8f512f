import assert from "node:assert/strict";
import { join } from "node:path";
import { CACHEDIR_TAG_CONTENT } from "../../../src/download/layout/cachedir_tag.ts";
import {
  downloadMetadataPath,
  readDownloadMetadata,
  refreshDownloadMetadata,
  writeDownloadMetadata,
} from "../../../src/download/layout/local_dir_metadata.ts";

const COMMIT = "a".repeat(40);
const ETAG = "b".repeat(64);

Deno.test("the record is huggingface_hub's three lines, with .gitignore and CACHEDIR.TAG beside", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "f.bin"), "x");
    await writeDownloadMetadata(dir, "sub/f.bin", COMMIT, ETAG, 1712656091123);
    const path = join(dir, ".cache", "huggingface", "download", "sub", "f.bin.metadata");
    assert.equal(downloadMetadataPath(dir, "sub/f.bin"), path);
    assert.equal(await Deno.readTextFile(path), `${COMMIT}\n${ETAG}\n1712656091.123\n`);
    assert.equal(await Deno.readTextFile(join(dir, ".cache", "huggingface", ".gitignore")), "*");
    assert.equal(
      await Deno.readTextFile(join(dir, ".cache", "huggingface", "CACHEDIR.TAG")),
      CACHEDIR_TAG_CONTENT,
    );
    // no temporary files left behind
    const names = [];
    for await (const e of Deno.readDir(join(dir, ".cache", "huggingface", "download", "sub"))) {
      names.push(e.name);
    }
    assert.deepEqual(names, ["f.bin.metadata"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a record is fresh while the file's mtime - 1 s <= its timestamp (huggingface_hub's rule)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "f.bin");
    await Deno.writeTextFile(file, "x");
    const mtime = 1_700_000_000;
    const rows: [string, number, boolean][] = [
      ["written after the file", mtime + 5, true],
      ["same second", mtime, true],
      ["within the 1 s slack", mtime - 0.5, true],
      ["file modified later", mtime - 2, false],
    ];
    for (const [name, stamp, fresh] of rows) {
      await writeDownloadMetadata(dir, "f.bin", COMMIT, ETAG, stamp * 1000);
      await Deno.utime(file, mtime, mtime);
      const meta = await readDownloadMetadata(dir, "f.bin");
      assert.equal(meta?.fresh, fresh, name);
      assert.equal(meta?.commit, COMMIT);
      assert.equal(meta?.etag, ETAG);
    }
    await Deno.remove(file);
    assert.equal((await readDownloadMetadata(dir, "f.bin"))?.fresh, false, "no file: outdated");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("records Python wrote are read; malformed ones are ignored; refresh skips same records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "f.txt"), "x");
    const path = downloadMetadataPath(dir, "f.txt")!;
    await Deno.mkdir(join(dir, ".cache", "huggingface", "download"), { recursive: true });
    const now = Date.now() / 1000 + 10;
    await Deno.writeTextFile(path, `${COMMIT}\n${"c".repeat(40)}\n${now}\n`);
    assert.equal((await readDownloadMetadata(dir, "f.txt"))?.etag, "c".repeat(40));
    await refreshDownloadMetadata(dir, "f.txt", COMMIT, "c".repeat(40));
    assert.equal(await Deno.readTextFile(path), `${COMMIT}\n${"c".repeat(40)}\n${now}\n`);
    await refreshDownloadMetadata(dir, "f.txt", "d".repeat(40), "c".repeat(40));
    assert.match(await Deno.readTextFile(path), /^d{40}\nc{40}\n\d+\.\d{3}\n$/);
    for (const bad of ["", `${COMMIT}\n`, `${COMMIT}\n${ETAG}\nnot-a-time\n`]) {
      await Deno.writeTextFile(path, bad);
      assert.equal(await readDownloadMetadata(dir, "f.txt"), null, JSON.stringify(bad));
    }
    const long = "n".repeat(250);
    assert.equal(downloadMetadataPath(dir, long), null, "no room for the suffix");
    await writeDownloadMetadata(dir, long, COMMIT, ETAG); // silently not recorded
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file just written gets a new record without the old one read; a folder removed meanwhile is made again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "f.bin"), "x");
    const path = join(dir, ".cache", "huggingface", "download", "sub", "f.bin.metadata");
    await writeDownloadMetadata(dir, "sub/f.bin", COMMIT, ETAG, Date.now() + 60_000);
    const before = await Deno.readTextFile(path);
    // a fresh record that says the same: kept, unless the file was just written
    await refreshDownloadMetadata(dir, "sub/f.bin", COMMIT, ETAG);
    assert.equal(await Deno.readTextFile(path), before);
    await refreshDownloadMetadata(dir, "sub/f.bin", COMMIT, ETAG, { written: true });
    assert.notEqual(await Deno.readTextFile(path), before);
    // the records' folder goes away between two files (within the second the .cache folder is
    // taken to be there): the next record makes it again
    await Deno.remove(join(dir, ".cache", "huggingface", "download"), { recursive: true });
    await refreshDownloadMetadata(dir, "sub/f.bin", COMMIT, ETAG, { written: true });
    assert.match(await Deno.readTextFile(path), new RegExp(`^${COMMIT}\n${ETAG}\n`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
