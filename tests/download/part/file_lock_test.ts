import assert from "node:assert/strict";
import { join } from "node:path";
import {
  acquireFileLock,
  hfCacheLockPath,
  localDirLockPath,
  lockWaitMessage,
  urlTargetLockPath,
} from "../../../src/download/part/file_lock.ts";
import { hfCacheRepo } from "../../../src/download/layout/hf_cache.ts";
import { PYHF_DIR, pyhfTest, runPython } from "../../e2e/_pyhf.ts";
import { waitFor } from "../../_support/wait.ts";

Deno.test("lock paths are huggingface_hub's own; overlong names get a short hashed lock", () => {
  const repo = hfCacheRepo("/c", "dataset", "acme/d");
  const rows: [string, string, string][] = [
    ["hf-cache blob", hfCacheLockPath(repo, "ab12"), "/c/.locks/datasets--acme--d/ab12.lock"],
    [
      "local-dir file",
      localDirLockPath("/d", "sub/w.bin"),
      "/d/.cache/huggingface/download/sub/w.bin.lock",
    ],
    ["url target", urlTargetLockPath("/dl", "a.tar"), "/dl/.cache/nightpull/a.tar.lock"],
  ];
  for (const [name, got, want] of rows) assert.equal(got, want, name);
  const long = "n".repeat(255);
  const lock = localDirLockPath("/d", `sub/${long}`);
  assert.match(lock, /^\/d\/\.cache\/huggingface\/download\/sub\/[A-Za-z0-9_-]{27}\.long\.lock$/);
  assert.notEqual(lock, localDirLockPath("/d", `sub/${"m".repeat(255)}`));
  assert.equal(lockWaitMessage("w.bin"), "waiting for w.bin: another process is downloading it");
});

Deno.test("a second holder waits, says so once, and gets the lock when the first releases", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "deep", "x.lock");
    const first = await acquireFileLock(path);
    assert.equal(first.waited, false);
    let waits = 0;
    let secondHeld = false;
    const second = acquireFileLock(path, { onWait: () => waits++ }).then((lock) => {
      secondHeld = true;
      return lock;
    });
    await waitFor(() => waits === 1, "the second pull to wait", 20_000);
    assert.equal(secondHeld, false);
    await first.release();
    await first.release(); // a second release is harmless
    const lock = await second;
    assert.equal(lock.waited, true);
    assert.equal(waits, 1);
    await lock.release();
    // the lock file stays (deleting it would split later waiters across inodes)
    assert.equal((await Deno.stat(path)).isFile, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an abort stops the wait with the signal's reason; the lock stays usable", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "x.lock");
    await using _held = await acquireFileLock(path);
    const controller = new AbortController();
    const waiting = acquireFileLock(path, { signal: controller.signal, onWait: () => {} });
    controller.abort(new Error("ctrl-c"));
    await assert.rejects(waiting, /ctrl-c/);
    const aborted = new AbortController();
    aborted.abort(new Error("already"));
    await assert.rejects(acquireFileLock(path, { signal: aborted.signal }), /already/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

pyhfTest("Python's filelock and our lock exclude each other both ways", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, ".locks", "models--a--b", "blob.lock");
    await t.step("we hold it: filelock times out", async () => {
      const lock = await acquireFileLock(path);
      const out = await python(
        dir,
        `import filelock\ntry:\n  filelock.FileLock(${
          JSON.stringify(path)
        }).acquire(timeout=0.2)\n` +
          `  print("acquired")\nexcept filelock.Timeout:\n  print("timeout")`,
      );
      assert.equal(out, "timeout");
      await lock.release();
      assert.equal(
        await python(
          dir,
          `import filelock\nfilelock.FileLock(${
            JSON.stringify(path)
          }).acquire(timeout=5)\nprint("acquired")`,
        ),
        "acquired",
      );
    });
    await t.step("filelock holds it: we wait until it is released", async () => {
      const child = new Deno.Command("python3", {
        args: [
          "-c",
          `import filelock,sys\nl=filelock.FileLock(${
            JSON.stringify(path)
          })\nl.acquire()\nprint("held",flush=True)\nsys.stdin.read()\nl.release()`,
        ],
        env: { PYTHONPATH: PYHF_DIR },
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.match((await reader.read()).value ?? "", /held/);
      let waited = false;
      const ours = acquireFileLock(path, { onWait: () => waited = true });
      await waitFor(() => waited, "the wait to be reported", 20_000);
      await child.stdin.close(); // python releases
      const lock = await ours;
      assert.equal(lock.waited, true);
      await lock.release();
      await reader.cancel();
      assert.equal((await child.status).code, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `python3 -c code` with pyhf (and its filelock) on the path; its stdout, trimmed. */
async function python(home: string, code: string): Promise<string> {
  // filelock only: the endpoint is never contacted
  const out = await runPython(code, { endpoint: "http://127.0.0.1:9", hfHome: home });
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}
