import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeHub, standardRepos, startFakeHub } from "../../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../../src/config.ts";
import { pull } from "../../../src/download/pull/pull.ts";
import { numberedName } from "../../../src/download/layout/url_target.ts";

Deno.test("numbered names: the number goes before the first extension, names stay legal", () => {
  const rows: [string, number, string][] = [
    ["model.bin", 1, "model.bin"],
    ["model.bin", 2, "model (2).bin"],
    ["data.tar.gz", 3, "data (3).tar.gz"],
    ["README", 2, "README (2)"],
    [".env", 2, ".env (2)"],
  ];
  for (const [name, n, want] of rows) assert.equal(numberedName(name, n), want);
  const long = numberedName(`${"n".repeat(251)}.bin`, 12);
  assert.equal(new TextEncoder().encode(long).length <= 255, true);
  assert.match(long, /^n+ \(12\)\.bin$/);
});

Deno.test("two URLs with one file name: the second gets name (2), neither is 'present' for the other", async () => {
  const hub: FakeHub = await startFakeHub({ repos: standardRepos() });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-url-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const dir = join(tmp, "dl");
    const first = `${hub.url}/acme/tiny-model/resolve/main/config.json`;
    const second = `${hub.url}/acme/tiny-model/resolve/dev/config.json`;
    const mainBytes = hub.fileBytes("acme/tiny-model", "config.json", "main");
    const devBytes = hub.fileBytes("acme/tiny-model", "config.json", "dev");
    assert.notDeepEqual(mainBytes, devBytes);
    const run = (source: string) => pull({ source, dir }, { config, kv, env: {} });

    const a = await run(first);
    assert.deepEqual(a.paths, [join(dir, "config.json")]);
    const b = await run(second);
    assert.deepEqual(b.paths, [join(dir, "config (2).json")], "a distinct name for the 2nd URL");
    assert.deepEqual(await Deno.readFile(join(dir, "config.json")), mainBytes);
    assert.deepEqual(await Deno.readFile(join(dir, "config (2).json")), devBytes);

    const again = await run(first);
    assert.deepEqual(again.files, { total: 1, done: 0, skipped: 1 });
    assert.deepEqual(again.paths, [join(dir, "config.json")]);
    const againSecond = await run(second);
    assert.deepEqual(againSecond.files, { total: 1, done: 0, skipped: 1 });
    assert.deepEqual(againSecond.paths, [join(dir, "config (2).json")]);
    assert.deepEqual(await Deno.readFile(join(dir, "config.json")), mainBytes);

    // a file the user put there is not ours either: the URL takes the next free name
    await Deno.writeTextFile(join(dir, "tokenizer_config.json"), "mine");
    const third = await run(
      `${hub.url}/acme/tiny-model/resolve/main/tokenizer/tokenizer_config.json`,
    );
    assert.deepEqual(third.paths, [join(dir, "tokenizer_config (2).json")]);
    assert.equal(await Deno.readTextFile(join(dir, "tokenizer_config.json")), "mine");
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a legal 255-byte name: local-dir and URL targets work, a numbered variant is cut to fit", async () => {
  const name = `${"n".repeat(251)}.bin`;
  const hub = await startFakeHub({
    repos: [{
      id: "acme/long",
      branches: {
        main: [
          { path: `sub/${name}`, size: 100_000, seed: "long", lfs: true },
          { path: name, content: "hi\n" },
        ],
      },
    }],
  });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-long-" });
  try {
    const config = resolveConfig({ data: join(tmp, "data"), "min-free": "0" }, {
      HOME: tmp,
      HF_HOME: join(tmp, "hf"),
      HF_ENDPOINT: hub.url,
    });
    const ctx = { config, kv, env: {} };
    const local = join(tmp, "local");
    const l = await pull({ source: "hf:acme/long", layout: "local-dir", dir: local }, ctx);
    assert.deepEqual(l.files, { total: 2, done: 2, skipped: 0 });
    assert.deepEqual(await Deno.readTextFile(join(local, name)), "hi\n");
    const dir = join(tmp, "dl");
    const a = await pull({ source: `${hub.url}/acme/long/resolve/main/${name}`, dir }, ctx);
    assert.deepEqual(a.paths, [join(dir, name)]);
    const b = await pull({ source: `${hub.url}/acme/long/resolve/main/sub/${name}`, dir }, ctx);
    assert.deepEqual(b.paths, [join(dir, numberedName(name, 2))]);
    assert.equal((await Deno.stat(b.paths[0])).size, 100_000);
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
