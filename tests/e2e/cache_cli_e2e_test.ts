/**
 * `nightpull cache` on real caches (issue 13, acceptance 3-5): `prune --dry-run` changes
 * nothing and `rm REPO@REV` keeps shared blobs; `verify` finds a blob edited in place, repairs
 * only it, and leaves alone a blob whose lock another process holds; `ls --json` shows repos
 * written by nightpull and by the real huggingface_hub with sizes equal to `du` of the blobs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { namesIn } from "../_tree.ts";
import { cliRig } from "./_pull_cli.ts";
import { pyhfSkipReason, runPython } from "./_pyhf.ts";
import { versionedRepo } from "./_versioned_repo.ts";

const MIB = 1024 * 1024;

/** Every file, link and folder under `dir` with its size or link target. */
async function treeListing(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    const rel = `${prefix}${e.name}`;
    const info = await Deno.lstat(path);
    if (info.isSymlink) out.push(`${rel} -> ${await Deno.readLink(path)}`);
    else if (info.isDirectory) out.push(`${rel}/`, ...await treeListing(path, `${rel}/`));
    else out.push(`${rel} ${info.size} ${info.mtime?.getTime()}`);
  }
  return out.sort();
}

Deno.test("cache prune --dry-run changes nothing; cache rm of one revision keeps shared blobs", async () => {
  const rig = await cliRig();
  try {
    const repo = "acme/retain";
    rig.hub.setRepo(versionedRepo(repo, 1));
    const oldCommit = rig.hub.commitOf(repo, "main");
    const oldBig = rig.hub.fileInfo(repo, "big.bin").sha256!;
    assert.equal((await rig.run(["pull", `hf:${repo}`])).code, 0);
    rig.hub.setRepo(versionedRepo(repo, 2));
    const newCommit = rig.hub.commitOf(repo, "main");
    assert.equal((await rig.run(["pull", `hf:${repo}`])).code, 0);
    const dir = join(rig.hubCache, "models--acme--retain");

    const before = await treeListing(rig.hubCache);
    const dry = await rig.run(["cache", "prune", "--keep", "1", "--dry-run", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.equal(plan.dryRun, true);
    assert.deepEqual(plan.repos.map((r: { revisions: string[] }) => r.revisions), [[oldCommit]]);
    assert.deepEqual(plan.repos[0].blobs, [oldBig]);
    assert.equal(plan.bytesFreed, 3 * MIB + 1);
    assert.deepEqual(await treeListing(rig.hubCache), before, "the dry run changed nothing");
    const text = await rig.run(["cache", "prune", "--keep", "1", "--dry-run"]);
    assert.match(text.stdout, /would remove acme\/retain: [0-9a-f]{12} \(1 blob\(s\), 3\.0 MiB\)/);
    assert.deepEqual(await treeListing(rig.hubCache), before);

    const rm = await rig.run(["cache", "rm", `${repo}@${oldCommit.slice(0, 10)}`, "--json"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(JSON.parse(rm.stdout).bytesFreed, 3 * MIB + 1);
    assert.deepEqual(await namesIn(join(dir, "snapshots")), [newCommit]);
    const blobs = await namesIn(join(dir, "blobs"));
    assert.ok(!blobs.includes(oldBig), "the old revision's own blob is gone");
    for (const path of ["config.json", "shared.bin", "big.bin"]) {
      const info = rig.hub.fileInfo(repo, path);
      assert.ok(blobs.includes(info.sha256 && path !== "config.json" ? info.sha256 : info.gitSha1));
    }
    assert.equal(await Deno.readTextFile(join(dir, "refs", "main")), newCommit);

    const unknown = await rig.run(["cache", "rm", `${repo}@v9`]);
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.match(unknown.stderr, /no cached revision "v9"/);
    const bad = await rig.run(["cache", "prune", "--keep", "x"]);
    assert.equal(bad.code, 2);
    assert.deepEqual(
      await namesIn(join(dir, "snapshots")),
      [newCommit],
      "bad input changed nothing",
    );
  } finally {
    await rig.close();
  }
});

/** Another process holding huggingface_hub's lock of `blob` until killed. */
async function holdLock(lockPath: string): Promise<Deno.ChildProcess> {
  await Deno.mkdir(join(lockPath, ".."), { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const f = await Deno.open(${
        JSON.stringify(lockPath)
      }, { read: true, write: true, create: true });
       await f.lock(true); console.log("locked"); setInterval(() => {}, 60_000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /locked/);
  reader.releaseLock();
  return child;
}

async function corrupt(path: string): Promise<void> {
  using f = await Deno.open(path, { read: true, write: true });
  const byte = new Uint8Array(1);
  await f.seek(7, Deno.SeekMode.Start);
  await f.read(byte);
  await f.seek(7, Deno.SeekMode.Start);
  await f.write(new Uint8Array([byte[0] ^ 0xff]));
}

Deno.test("cache verify: a blob edited in place exits 5 named; --repair refetches only it; a locked blob is not reported", async () => {
  const rig = await cliRig();
  let holder: Deno.ChildProcess | undefined;
  try {
    const repo = "acme/tiny-model";
    assert.equal((await rig.run(["pull", `hf:${repo}`])).code, 0);
    const dir = join(rig.hubCache, "models--acme--tiny-model");
    const weights = rig.hub.fileInfo(repo, "model.safetensors").sha256!;
    const config = rig.hub.fileInfo(repo, "config.json").gitSha1;
    const clean = await rig.run(["cache", "verify", "--json"]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(JSON.parse(clean.stdout).bad, []);

    await corrupt(join(dir, "blobs", weights));
    const found = await rig.run(["cache", "verify"]);
    assert.equal(found.code, 5, found.stderr);
    assert.match(found.stdout, new RegExp(`BAD  acme/tiny-model blobs/${weights}: sha256`));
    assert.equal(found.stdout.match(/^BAD/gm)?.length, 1, found.stdout);

    // a blob being written by another process: its lock is held, so it is not judged
    await corrupt(join(dir, "blobs", config));
    holder = await holdLock(
      join(rig.hubCache, ".locks", "models--acme--tiny-model", `${config}.lock`),
    );
    const served = rig.hub.requests.length;
    const repaired = await rig.run(["cache", "verify", "--repair", "--json"]);
    assert.equal(repaired.code, 0, repaired.stderr);
    const out = JSON.parse(repaired.stdout);
    assert.deepEqual(out.bad.map((b: { blob: string }) => b.blob), [weights]);
    assert.deepEqual(out.busy.map((b: { blob: string }) => b.blob), [config]);
    assert.equal(out.repaired[0].action, "refetched");
    const bodies = rig.hub.requests.slice(served).filter((r) =>
      r.file !== undefined && r.bodyBytes > 0
    );
    assert.deepEqual(
      [...new Set(bodies.map((r) => r.file))],
      ["model.safetensors"],
      "only that blob",
    );

    holder.kill("SIGKILL");
    await holder.status;
    holder = undefined;
    const after = await rig.run(["cache", "verify", "--json"]);
    assert.equal(after.code, 5, "the released, still corrupt blob is judged now");
    assert.deepEqual(JSON.parse(after.stdout).bad.map((b: { blob: string }) => b.blob), [config]);
    const fixed = await rig.run(["cache", "verify", "--repair"]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal((await rig.run(["cache", "verify"])).code, 0);
  } finally {
    if (holder) {
      holder.kill("SIGKILL");
      await holder.status;
    }
    await rig.close();
  }
});

async function duBytes(files: string[]): Promise<number> {
  if (files.length === 0) return 0;
  const out = await new Deno.Command("du", { args: ["-b", "-c", ...files], stdout: "piped" })
    .output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return Number(lines[lines.length - 1].split(/\s+/)[0]);
}

Deno.test("cache ls --json: repos of nightpull and of huggingface_hub, sizes equal to du of the blobs", async () => {
  const rig = await cliRig();
  try {
    assert.equal((await rig.run(["pull", "hf:acme/tiny-model"])).code, 0);
    const python = pyhfSkipReason();
    if (python) console.log(`huggingface_hub part skipped: ${python}`);
    else {
      const py = await runPython(
        "import huggingface_hub as h; h.snapshot_download('acme/tiny-data', repo_type='dataset')",
        { endpoint: rig.hub.url, hfHome: join(rig.tmp, "hf") },
      );
      assert.equal(py.code, 0, py.stderr);
    }
    // through the task: statfs under the task's own permissions
    const ls = await rig.runTask(["cache", "ls", "--json"]);
    assert.equal(ls.code, 0, ls.stderr);
    const report = JSON.parse(ls.stdout);
    const repos = report.repos.map((r: { type: string; repo: string }) => `${r.type}:${r.repo}`);
    assert.deepEqual(
      repos,
      python ? ["model:acme/tiny-model"] : ["dataset:acme/tiny-data", "model:acme/tiny-model"],
    );
    let total = 0;
    for (const r of report.repos) {
      const folder = `${r.type}s--${r.repo.replace("/", "--")}`;
      const blobs = join(rig.hubCache, folder, "blobs");
      const files = (await namesIn(blobs)).filter((n) => !n.includes(".")).map((n) =>
        join(blobs, n)
      );
      assert.equal(r.size, await duBytes(files), `${r.repo} size equals du -b of its blobs`);
      assert.equal(r.revisions.length, 1);
      assert.deepEqual(r.revisions[0].refs, ["main"]);
      assert.ok(r.revisions[0].files > 0);
      total += r.size;
    }
    assert.equal(report.size, total);
    assert.ok(report.disk.free > 0 && report.disk.total >= report.disk.free);
    const text = await rig.runTask(["cache", "ls"]);
    assert.equal(text.code, 0, text.stderr);
    console.log(text.stdout);
  } finally {
    await rig.close();
  }
});

Deno.test("cache prune leaves a blob whose lock another process holds", async () => {
  const rig = await cliRig();
  let holder: Deno.ChildProcess | undefined;
  try {
    const repo = "acme/retain";
    rig.hub.setRepo(versionedRepo(repo, 1));
    const oldBig = rig.hub.fileInfo(repo, "big.bin").sha256!;
    assert.equal((await rig.run(["pull", `hf:${repo}`])).code, 0);
    rig.hub.setRepo(versionedRepo(repo, 2));
    assert.equal((await rig.run(["pull", `hf:${repo}`])).code, 0);
    holder = await holdLock(join(rig.hubCache, ".locks", "models--acme--retain", `${oldBig}.lock`));
    const pruned = await rig.run(["cache", "prune", repo, "--keep", "1", "--json"]);
    assert.equal(pruned.code, 0, pruned.stderr);
    const outcome = JSON.parse(pruned.stdout);
    assert.deepEqual(outcome.repos[0].kept, [oldBig], "reported as kept");
    assert.deepEqual(outcome.repos[0].blobs, []);
    assert.equal(outcome.bytesFreed, 0);
    const blob = join(rig.hubCache, "models--acme--retain", "blobs", oldBig);
    assert.equal((await Deno.stat(blob)).size, 3 * MIB + 1, "the locked blob is still there");
  } finally {
    if (holder) {
      holder.kill("SIGKILL");
      await holder.status;
    }
    await rig.close();
  }
});
