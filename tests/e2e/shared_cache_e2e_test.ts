/**
 * Sharing the cache with other writers (issue 9): concurrent `pull` processes of one repo, the
 * truncation race, repo names that collide with part names, and self-repair of a present file
 * edited in place. Real CLI processes against the fake hub; figures printed for the record.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { FakeHub, FakeRepoSpec } from "../../fixtures/fake_hub.ts";
import { cliRig, finish } from "./_pull_cli.ts";
import { listTree } from "../_tree.ts";
import { waitFor } from "../_support/wait.ts";
import { followCli } from "../_support/cli.ts";

const KIB = 1024;
const MIB = 1024 * 1024;

function sharedRepo(): FakeRepoSpec {
  return {
    id: "acme/shared",
    branches: {
      main: [
        { path: "config.json", content: '{"model_type":"shared"}\n' },
        { path: "vocab.txt", size: 200 * KIB + 3, seed: "shared-vocab", lfs: false },
        { path: "a.bin", size: 2 * MIB + 1, seed: "shared-a", lfs: true },
        { path: "b.bin", size: 2 * MIB + 3, seed: "shared-b", lfs: true },
        { path: "sub/c.safetensors", size: 3 * MIB + 5, seed: "shared-c", lfs: true },
      ],
    },
  };
}

function collisionRepo(): FakeRepoSpec {
  return {
    id: "acme/collide",
    branches: {
      main: [
        { path: "w.bin", size: 1 * MIB + 7, seed: "collide-w", lfs: true },
        { path: "w.bin.part", content: "a user file that ends in .part!!\n" },
        // shaped like our own sidecar, to tempt a cleanup into deleting or trusting it
        { path: "w.bin.part.json", content: '{"version":1,"identity":{},"layout":"append"}' },
        { path: "w.bin.incomplete", content: "a user file that ends in .incomplete\n" },
        { path: "sub/x", content: "x\n" },
      ],
    },
  };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitSha1 = (bytes: Uint8Array) =>
  createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

/** Every blob of the repo's cache folder is named by its own hash; nothing else is there. */
async function assertBlobsVerify(hub: FakeHub, cache: string, repo: FakeRepoSpec) {
  const blobs = join(cache, `models--${repo.id.replace("/", "--")}`, "blobs");
  const names = (await listTree(blobs)).sort();
  const expected = repo.branches.main.map((f) => {
    const info = hub.fileInfo(repo.id, f.path);
    return info.lfs ? info.sha256 : info.gitSha1;
  });
  assert.deepEqual(names, [...new Set(expected)].sort(), "only finished blobs, no part or sidecar");
  for (const name of names) {
    const bytes = await Deno.readFile(join(blobs, name));
    assert.ok(name === sha256(bytes) || name === gitSha1(bytes), `blob ${name} hashes to its name`);
  }
}

/** Bytes of each file body the hub and CDN served (GETs only). */
function servedPerFile(hub: FakeHub): Map<string, number> {
  const served = new Map<string, number>();
  for (const r of hub.requests) {
    if (r.file === undefined || r.method !== "GET") continue;
    served.set(r.file, (served.get(r.file) ?? 0) + r.bodyBytes);
  }
  return served;
}

Deno.test("three pulls of one repo into one cache at once: each file served about once", async () => {
  const r = await cliRig();
  try {
    const repo = sharedRepo();
    r.hub.setRepo(repo);
    // the first holder of c's lock is slowed for a while, so the three pulls surely overlap
    r.hub.addFault({ path: "sub/c.safetensors", stallAfterBytes: 512 * KIB, stallMs: 2500 });
    const children = [0, 1, 2].map(() =>
      r.spawn(["pull", "hf:acme/shared", "--bwlimit", "3M"], { NIGHTPULL_MIN_FREE: "0" })
    );
    const results = await Promise.all(children.map(finish));
    for (const [i, res] of results.entries()) assert.equal(res.code, 0, `pull ${i}: ${res.stderr}`);
    await r.hub.settled();
    const waited = results.filter((res) => res.stderr.includes("another process is downloading"));
    assert.ok(waited.length >= 1, "at least one pull waited for another's lock");
    await assertBlobsVerify(r.hub, r.hubCache, repo);
    const served = servedPerFile(r.hub);
    let total = 0;
    let size = 0;
    for (const f of repo.branches.main) {
      const info = r.hub.fileInfo(repo.id, f.path);
      const got = served.get(f.path) ?? 0;
      total += got;
      size += info.size;
      assert.ok(got <= 1.25 * info.size, `${f.path}: served ${got} bytes for ${info.size}`);
    }
    assert.ok(total <= 1.25 * size);
    console.log(
      `three concurrent pulls: served ${total} bytes for ${size} bytes of files ` +
        `(${(total / size).toFixed(3)}x); ${waited.length} pull(s) waited for a lock`,
    );
    const stray = (await listTree(r.hubCache)).filter((p) =>
      /\.(nightpull|incomplete|json\.tmp)$|\.nightpull\.json$/.test(p)
    );
    assert.deepEqual(stray, [], "no part or sidecar left anywhere in the cache");
  } finally {
    await r.close();
  }
});

const WAITING = "waiting for big.bin: another process is downloading it";

Deno.test("truncation race: a pull whose Range gets 200 never touches another's part", async () => {
  const r = await cliRig();
  try {
    const size = 3 * MIB + 17;
    r.hub.setRepo({
      id: "acme/race",
      branches: { main: [{ path: "big.bin", size, seed: "race", lfs: true }] },
    });
    const info = r.hub.fileInfo("acme/race", "big.bin");
    const blobs = join(r.hubCache, "models--acme--race", "blobs");
    for (let round = 1; round <= 5; round++) {
      await Deno.remove(r.hubCache, { recursive: true }).catch(() => {});
      r.hub.clearFaults();
      // Two pulls start together. The first to get the lock (A) stalls after 1 MiB until the
      // other (B) says it waits for that lock; every answer ignores Range, so B, were it not
      // waiting, would get a full 200 body to its Range request and restart the shared part in
      // place. (The stall's own end, 60 s, is only a backstop: a slow start of B under load
      // must not let A finish first.)
      r.hub.addFault({ path: "big.bin", stallAfterBytes: MIB, stallMs: 60_000, times: 1 });
      r.hub.addFault({ path: "big.bin", ignoreRange: true });
      const children = [0, 1].map(() =>
        followCli(r.spawn(["pull", "hf:acme/race"], { NIGHTPULL_MIN_FREE: "0" }))
      );
      await waitFor(
        () => children.some((c) => c.stderr().includes(WAITING)) && r.hub.endStalls() > 0,
        `round ${round}: one pull waiting for the other's lock while that one stalls`,
        60_000,
      );
      const ended = children.map((child, i) => child.ended.then((res) => ({ i, res })));
      const first = await Promise.race(ended);
      assert.equal(first.res.code, 0, `round ${round}: A failed: ${first.res.stderr}`);
      const other = 1 - first.i;
      try {
        children[other].child.kill("SIGKILL"); // B dies right after A finished
      } catch {
        // B already finished
      }
      const bResult = (await ended[other]).res;
      const blob = await Deno.readFile(join(blobs, info.sha256));
      assert.equal(blob.length, size, `round ${round}: A's blob has its size`);
      assert.equal(sha256(blob), info.sha256, `round ${round}: A's blob is correct`);
      assert.ok(
        bResult.stderr.includes(WAITING),
        `round ${round}: B waited for A's lock (${bResult.stderr})`,
      );
      await r.hub.settled();
    }
  } finally {
    await r.close();
  }
});

Deno.test("collisions: w.bin, w.bin.part, w.bin.part.json, w.bin.incomplete keep their own bytes", async () => {
  const r = await cliRig();
  try {
    const repo = collisionRepo();
    r.hub.setRepo(repo);
    const local = join(r.tmp, "local");
    const commit = r.hub.commitOf(repo.id, "main");
    const snapshot = join(r.hubCache, "models--acme--collide", "snapshots", commit);
    for (const round of ["first", "next"]) {
      for (const [args, root] of [[[], snapshot], [["--local-dir", local], local]] as const) {
        const res = await r.run(["pull", "hf:acme/collide", "--json", ...args], {
          NIGHTPULL_MIN_FREE: "0",
        });
        assert.equal(res.code, 0, `${round} pull ${args.join(" ")}: ${res.stderr}`);
        for (const f of repo.branches.main) {
          const bytes = await Deno.readFile(join(root, f.path));
          assert.deepEqual(bytes, r.hub.fileBytes(repo.id, f.path), `${round}: ${root} ${f.path}`);
        }
        if (round === "next") assert.equal(JSON.parse(res.stdout).bytes, 0, "nothing re-fetched");
      }
    }
    await assertBlobsVerify(r.hub, r.hubCache, repo);
    const beside = (await listTree(local)).filter((p) => !p.startsWith(".cache/")).sort();
    assert.deepEqual(beside, repo.branches.main.map((f) => f.path).sort(), "no file of ours");
  } finally {
    await r.close();
  }
});

Deno.test("self-repair: a present file edited in place (same size) is downloaded again", async () => {
  const r = await cliRig();
  try {
    const local = join(r.tmp, "local");
    const args = ["pull", "hf:acme/tiny-model", "--local-dir", local, "--json"];
    const env = { NIGHTPULL_MIN_FREE: "0" };
    assert.equal((await r.run(args, env)).code, 0);
    const info = r.hub.fileInfo("acme/tiny-model", "model.safetensors");
    const path = join(local, "model.safetensors");
    const edit = async () => {
      const file = await Deno.open(path, { read: true, write: true });
      await file.seek(1000, Deno.SeekMode.Start);
      await file.write(new Uint8Array([1, 2, 3, 4]));
      file.close();
    };
    await edit();
    const repaired = await r.run(args, env);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stderr, /file\.repaired.*model\.safetensors/);
    assert.equal(JSON.parse(repaired.stdout).bytes, info.size, "only the edited file moved");
    assert.equal(sha256(await Deno.readFile(path)), info.sha256);

    // an edit that keeps size, mtime and inode slips past the stamp: --verify finds it
    const { mtime } = await Deno.stat(path);
    await edit();
    await Deno.utime(path, mtime!, mtime!);
    const trusted = await r.run(args, env);
    assert.equal(JSON.parse(trusted.stdout).bytes, 0, "an unchanged stamp is trusted");
    const verified = await r.run([...args, "--verify"], env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).bytes, info.size);
    assert.equal(sha256(await Deno.readFile(path)), info.sha256);
  } finally {
    await r.close();
  }
});
