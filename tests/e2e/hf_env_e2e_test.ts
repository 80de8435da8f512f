/**
 * The huggingface_hub environment through the real CLI: the legacy cache variable, `~` and
 * `$VAR` in paths, both token variables, `HF_TOKEN_PATH`, `--token`, and the two timeouts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_TOKEN } from "../../fixtures/fake_hub.ts";
import { cliRig, finish } from "./_pull_cli.ts";
import { waitFor } from "../_support/wait.ts";

const CONFIG = ["--include", "config.json"];

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

Deno.test("HUGGINGFACE_HUB_CACHE (legacy) is the cache when HF_HUB_CACHE is unset; HF_HUB_CACHE wins", async () => {
  const r = await cliRig();
  try {
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    const legacy = join(r.tmp, "legacy");
    const res = await r.run(["pull", "hf:acme/tiny-model", ...CONFIG], {
      HUGGINGFACE_HUB_CACHE: legacy,
    });
    assert.equal(res.code, 0, res.stderr);
    const snap = (root: string) =>
      join(root, "models--acme--tiny-model", "snapshots", commit, "config.json");
    assert.ok(await isFile(snap(legacy)));
    assert.ok(!(await isFile(snap(r.hubCache))), "not in $HF_HOME/hub");

    const modern = join(r.tmp, "modern");
    const both = await r.run(["pull", "hf:acme/tiny-model", ...CONFIG], {
      HUGGINGFACE_HUB_CACHE: legacy,
      HF_HUB_CACHE: modern,
    });
    assert.equal(both.code, 0, both.stderr);
    assert.ok(await isFile(snap(modern)));
  } finally {
    await r.close();
  }
});

Deno.test("HF_HOME=~/x (a systemd unit) means $HOME/x, and ${VAR} expands in HF_HUB_CACHE", async () => {
  const r = await cliRig();
  try {
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    const res = await r.run(["pull", "hf:acme/tiny-model", ...CONFIG], { HF_HOME: "~/x" });
    assert.equal(res.code, 0, res.stderr);
    const file = (root: string) =>
      join(root, "models--acme--tiny-model", "snapshots", commit, "config.json");
    assert.ok(await isFile(file(join(r.tmp, "x", "hub"))), "under $HOME/x/hub");
    await assert.rejects(Deno.stat(join(REPO_ROOT_TILDE(), "x")), Deno.errors.NotFound);

    const viaVar = await r.run(["pull", "hf:acme/tiny-model", ...CONFIG], {
      BASE: join(r.tmp, "base"),
      HF_HUB_CACHE: "${BASE}/c",
    });
    assert.equal(viaVar.code, 0, viaVar.stderr);
    assert.ok(await isFile(file(join(r.tmp, "base", "c"))));
  } finally {
    await r.close();
  }
});

/** The literal `./~` a missing expansion would create in the CLI's working directory. */
function REPO_ROOT_TILDE(): string {
  return join(new URL("../../", import.meta.url).pathname, "~");
}

Deno.test("private repo: HUGGING_FACE_HUB_TOKEN, HF_TOKEN_PATH and --token each authenticate", async () => {
  const r = await cliRig();
  try {
    const source = "hf:acme/private-model";
    const anonymous = await r.run(["pull", source]);
    assert.equal(anonymous.code, 4, anonymous.stderr); // the hub hides private repos: 404

    const legacy = await r.run(["pull", source, "--cache-dir", join(r.tmp, "a")], {
      HUGGING_FACE_HUB_TOKEN: FIXTURE_TOKEN,
    });
    assert.equal(legacy.code, 0, legacy.stderr);

    const tokenFile = join(r.tmp, "secrets", "hf-token");
    await Deno.mkdir(join(r.tmp, "secrets"));
    await Deno.writeTextFile(tokenFile, `${FIXTURE_TOKEN}\n`);
    const byPath = await r.run(["pull", source, "--cache-dir", join(r.tmp, "b")], {
      HF_TOKEN_PATH: "~/secrets/hf-token",
    });
    assert.equal(byPath.code, 0, byPath.stderr);

    // --token wins over a wrong HF_TOKEN
    const flag = await r.run(
      ["pull", source, "--cache-dir", join(r.tmp, "c"), "--token", FIXTURE_TOKEN],
      { HF_TOKEN: "hf_wrong" },
    );
    assert.equal(flag.code, 0, flag.stderr);
    const wrong = await r.run(["pull", source, "--cache-dir", join(r.tmp, "d")], {
      HF_TOKEN: "hf_wrong",
    });
    assert.equal(wrong.code, 3, wrong.stderr);
  } finally {
    await r.close();
  }
});

Deno.test("HF_HUB_DOWNLOAD_TIMEOUT is the silence after which a body connection is retried", async () => {
  const r = await cliRig();
  try {
    r.hub.addFault({ path: "config.json", stallAfterBytes: 0, stallMs: 120_000, times: 1 });
    const child = r.spawn(["pull", "hf:acme/tiny-model", ...CONFIG], {
      HF_HUB_DOWNLOAD_TIMEOUT: "1",
    });
    // With the 30 s default no second request could come before 30 s; with 1 s it comes
    // within a second or two (the deadline leaves a loaded machine plenty of headroom).
    await waitFor(
      () => r.hub.requests.filter((q) => q.file === "config.json").length >= 2,
      "the stalled body to be given up and asked again",
      20_000,
    );
    const res = await finish(child);
    assert.equal(res.code, 0, res.stderr);
  } finally {
    await r.close();
  }
});

Deno.test("HF_HUB_ETAG_TIMEOUT limits a hub API request that gets no answer", async () => {
  const r = await cliRig();
  // accepts connections and never answers
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  try {
    const res = await r.run(["pull", "hf:acme/tiny-model", ...CONFIG], {
      HF_ENDPOINT: `http://127.0.0.1:${silent.addr.port}`,
      HF_HUB_ETAG_TIMEOUT: "1",
    });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /no answer within 1000 ms/);
    const bad = await r.run(["pull", "hf:acme/tiny-model"], { HF_HUB_ETAG_TIMEOUT: "soon" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid HF_HUB_ETAG_TIMEOUT "soon"/);
  } finally {
    silent.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
    await r.close();
  }
});

Deno.test("HF_HUB_DISABLE_SYMLINKS=1: snapshot files are copies of their blobs", async () => {
  const r = await cliRig();
  try {
    const res = await r.run(["pull", "hf:acme/tiny-model", "--include", "*.json"], {
      HF_HUB_DISABLE_SYMLINKS: "1",
    });
    assert.equal(res.code, 0, res.stderr);
    const commit = r.hub.commitOf("acme/tiny-model", "main");
    const file = join(r.hubCache, "models--acme--tiny-model", "snapshots", commit, "config.json");
    const info = await Deno.lstat(file);
    assert.ok(info.isFile && !info.isSymlink, "a copy, not a link");
    assert.equal(
      await Deno.readTextFile(file),
      new TextDecoder().decode(r.hub.fileBytes("acme/tiny-model", "config.json")),
    );
    const linked = await r.run(["pull", "hf:acme/tiny-model", "--include", "*.json"]);
    assert.equal(linked.code, 0, linked.stderr);
    assert.ok((await Deno.lstat(file)).isSymlink, "without the variable: a link again");
  } finally {
    await r.close();
  }
});
