/**
 * The file system's refusals through the real CLI: each ends with one line on stderr that
 * names the path and the fix, the code's exit status, and no stack trace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliResult, cliRig, REPO_ROOT } from "./_pull_cli.ts";

const NO_STACK = /^\s+at /m;

/** One line, `nightpull pull: …` matching `message`, exit `code`, and no stack. */
function assertOneLine(res: CliResult, message: RegExp, code = 1): void {
  assert.equal(res.code, code, res.stderr);
  const lines = res.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${res.stderr}`);
  assert.match(lines[0], /^nightpull pull: /);
  assert.match(lines[0], message);
  assert.doesNotMatch(res.stderr, NO_STACK);
}

/** Runs `fn` with a small tmpfs mounted at `dir`, or prints why it cannot (not root, no mount). */
async function withTmpfs(
  dir: string,
  options: string,
  fn: () => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
    stdout: "null",
    stderr: "piped",
  }).output().catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
  if (!mount.success) {
    console.log(`skipped: cannot mount a tmpfs (${new TextDecoder().decode(mount.stderr).trim()})`);
    return;
  }
  try {
    await fn();
  } finally {
    await new Deno.Command("umount", { args: ["-l", dir] }).output();
  }
}

Deno.test("--local-dir that is a regular file: not_a_directory, one line, nothing written", async () => {
  const r = await cliRig();
  try {
    const file = join(r.tmp, "a-file");
    await Deno.writeTextFile(file, "mine");
    const res = await r.run(["pull", "hf:acme/tiny-model", "--local-dir", file, "--quiet"]);
    assertOneLine(res, /cannot write .*a-file\/.*: \/.*\/a-file is a file, not a folder; move/);
    assert.equal(await Deno.readTextFile(file), "mine");
    // A path below a file is the same refusal (ENOTDIR).
    const below = await r.run([
      "pull",
      "hf:acme/tiny-model",
      "--local-dir",
      join(file, "sub"),
      "--quiet",
    ]);
    assertOneLine(below, /a-file\/sub.*: \/.*\/a-file is a file, not a folder; move that file/);
  } finally {
    await r.close();
  }
});

Deno.test("a folder where a file goes: is_a_directory, naming the path", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "out");
    await Deno.mkdir(join(dir, "config.json", "inside"), { recursive: true });
    const res = await r.run([
      "pull",
      "hf:acme/tiny-model",
      "--local-dir",
      dir,
      "--include",
      "config.json",
      "--quiet",
    ]);
    assertOneLine(res, /config\.json.*: a folder is in the way of that file; move the folder/);
  } finally {
    await r.close();
  }
});

Deno.test("a read-only mount: read_only_filesystem for local-dir and for the cache", async () => {
  const r = await cliRig();
  try {
    const ro = join(r.tmp, "ro");
    await withTmpfs(ro, "size=4m", async () => {
      await Deno.mkdir(join(ro, "cache"));
      const remount = await new Deno.Command("mount", { args: ["-o", "remount,ro", ro] })
        .output();
      assert.ok(remount.success, "remount read-only");
      const local = await r.run([
        "pull",
        "hf:acme/tiny-model",
        "--local-dir",
        join(ro, "out"),
        "--min-free",
        "0",
        "--quiet",
      ]);
      assertOneLine(local, /cannot write .*\/ro\/out.*: the file system is read-only; choose/);
      const cache = await r.run([
        "pull",
        "hf:acme/tiny-model",
        "--cache-dir",
        join(ro, "cache"),
        "--min-free",
        "0",
        "--quiet",
      ]);
      assertOneLine(cache, /cannot write .*\/ro\/cache.*: the file system is read-only/);
    });
  } finally {
    await r.close();
  }
});

Deno.test("no space (a tmpfs out of inodes): disk_full, one line", async () => {
  const r = await cliRig();
  try {
    const small = join(r.tmp, "small");
    // Plenty of bytes (the free-space preflight passes) but only a handful of inodes.
    await withTmpfs(small, "size=16m,nr_inodes=6", async () => {
      const res = await r.run([
        "pull",
        "hf:acme/tiny-model",
        "--local-dir",
        join(small, "out"),
        "--min-free",
        "0",
        "--quiet",
      ]);
      assertOneLine(res, /: no space left on the device; free some space or choose another/);
    });
  } finally {
    await r.close();
  }
});

Deno.test("permission denied (root without its override capability): permission_denied", async () => {
  const r = await cliRig();
  try {
    const locked = join(r.tmp, "locked");
    await Deno.mkdir(locked, { mode: 0o555 });
    await Deno.chmod(locked, 0o555);
    let out;
    try {
      out = await new Deno.Command("setpriv", {
        args: [
          "--bounding-set=-dac_override,-dac_read_search",
          Deno.execPath(),
          "run",
          "--allow-all",
          "main.ts",
          "pull",
          "hf:acme/tiny-model",
          "--local-dir",
          join(locked, "out"),
          "--quiet",
        ],
        cwd: REPO_ROOT,
        env: r.env(),
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (err) {
      console.log(`skipped: setpriv is not available (${err})`);
      return;
    }
    const res = {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
    if (res.code === 0) {
      console.log("skipped: this user writes into a read-only folder anyway");
      return;
    }
    assertOneLine(res, /locked\/out.*: permission denied; give this user write access there/);
  } finally {
    await r.close();
  }
});

Deno.test("a listing with both a and a/b: path_conflict before anything is written", async () => {
  const r = await cliRig();
  try {
    r.hub.setRepo({
      id: "acme/clash",
      branches: {
        main: [
          { path: "ok.txt", content: "fine\n" },
          { path: "a", content: "a file\n" },
          { path: "a/b", content: "below a folder a\n" },
        ],
      },
    });
    const dir = join(r.tmp, "out");
    const res = await r.run(["pull", "hf:acme/clash", "--local-dir", dir, "--quiet"]);
    assertOneLine(res, /both the file "a" and "a\/b".*nothing was downloaded.*--exclude "a"/);
    const cache = await r.run(["pull", "hf:acme/clash", "--quiet"]);
    assertOneLine(cache, /both the file "a" and "a\/b"/);
    await assert.rejects(Deno.stat(join(dir, "ok.txt")), Deno.errors.NotFound);
    const bodies = r.hub.requests.filter((q) => q.file !== undefined);
    assert.deepEqual(bodies, [], "no file body was requested");
  } finally {
    await r.close();
  }
});

Deno.test("a legal 255-byte file name lands in the cache and in a local dir", async () => {
  const r = await cliRig();
  try {
    const name = `${"n".repeat(251)}.txt`;
    r.hub.setRepo({ id: "acme/long", branches: { main: [{ path: name, content: "long\n" }] } });
    const res = await r.run(["pull", "hf:acme/long", "--quiet"]);
    assert.equal(res.code, 0, res.stderr);
    const commit = r.hub.commitOf("acme/long", "main");
    const link = join(r.hubCache, "models--acme--long", "snapshots", commit, name);
    assert.equal(await Deno.readTextFile(link), "long\n");
    const local = await r.run(["pull", "hf:acme/long", "--local-dir", join(r.tmp, "o"), "-q"]);
    // And in a local dir: no helper name of ours (part, lock, metadata) may be longer.
    assert.equal(local.code, 0, local.stderr);
    assert.equal(await Deno.readTextFile(join(r.tmp, "o", name)), "long\n");
  } finally {
    await r.close();
  }
});

Deno.test("the stack of a failure reaches stderr only with --log-level debug", async () => {
  const r = await cliRig();
  try {
    // A folder given as the KV file: the store cannot open it.
    const args = ["pull", "hf:acme/tiny-model", "--kv", r.tmp, "--quiet"];
    const plain = await r.run(args);
    assertOneLine(plain, /cannot open KV/);
    const debug = await r.run([...args, "--log-level", "debug"]);
    assert.equal(debug.code, plain.code);
    assert.match(debug.stderr, /^nightpull pull: cannot open KV/);
    assert.match(debug.stderr, NO_STACK);
  } finally {
    await r.close();
  }
});

Deno.test("a folder name longer than the file system allows: name_too_long, one line", async () => {
  const r = await cliRig();
  try {
    const dir = join(r.tmp, "d".repeat(256));
    const res = await r.run(["pull", "hf:acme/tiny-model", "--local-dir", dir, "--quiet"]);
    assertOneLine(res, /cannot write .*d{256}.*: a name in that path is too long .*--exclude/);
  } finally {
    await r.close();
  }
});

Deno.test("an immutable folder (chattr +i): permission_denied, operation not permitted", async () => {
  const r = await cliRig();
  const frozen = join(r.tmp, "frozen");
  await Deno.mkdir(frozen);
  const chattr = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, frozen], stdout: "null", stderr: "null" }).output()
      .then((o) => o.success, () => false);
  try {
    if (!(await chattr("+i"))) {
      console.log("skipped: chattr +i is not possible here (tool, file system or rights)");
      return;
    }
    const res = await r.run([
      "pull",
      "hf:acme/tiny-model",
      "--local-dir",
      join(frozen, "out"),
      "--quiet",
    ]);
    assertOneLine(res, /frozen\/out.*: operation not permitted; give this user write access/);
  } finally {
    await chattr("-i");
    await r.close();
  }
});
