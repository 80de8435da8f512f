/**
 * Hostile answers through the real CLI: an endless tree listing fails with
 * hub_response_too_large while memory stays bounded; a file body longer than the file stops at
 * its first extra byte (size_mismatch, exit 5) and nothing past the file's size is written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { filesBelow } from "../_tree.ts";
import { cliRig, finish } from "./_pull_cli.ts";

const MiB = 1024 * 1024;

/** Resident memory of process `pid` in bytes (Linux), or undefined when unreadable. */
async function rss(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

Deno.test("an endless tree listing: hub_response_too_large, one line, bounded memory", async () => {
  const r = await cliRig();
  try {
    r.hub.addFault({ api: true, apiRoute: "tree", endlessBody: true });
    const child = r.spawn(["pull", "hf:acme/tiny-model", "--quiet"]);
    let peak = 0;
    const watching = (async () => {
      for (;;) {
        const now = await rss(child.pid);
        if (now === undefined) return;
        peak = Math.max(peak, now);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const res = await finish(child);
    await watching;
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr.trim(),
      /^nightpull pull: the hub's answer to \/api\/models\/acme\/tiny-model\/tree\/\w+ is larger than 64 MiB \(or never ends\)/,
    );
    assert.equal(res.stderr.trim().split("\n").length, 1);
    // Before the cap the listing was buffered until the process died (5 GB after 150 s).
    console.log(`endless listing: peak RSS ${(peak / MiB).toFixed(0)} MiB`);
    if (peak > 0) assert.ok(peak < 600 * MiB, `peak RSS ${peak}`);
  } finally {
    await r.close();
  }
});

Deno.test("an endless file body: size_mismatch (exit 5), the part holds the file's bytes only", async () => {
  const r = await cliRig();
  try {
    const path = "model.safetensors";
    const info = r.hub.fileInfo("acme/tiny-model", path);
    r.hub.addFault({ path, overlongBy: Infinity });
    const dir = join(r.tmp, "out");
    const res = await r.run([
      "pull",
      "hf:acme/tiny-model",
      "--local-dir",
      dir,
      "--include",
      path,
      "--quiet",
    ]);
    assert.equal(res.code, 5, res.stderr);
    assert.match(res.stderr, /size mismatch for model\.safetensors: the server sent more than/);
    // Nothing below the target is larger than the file: the endless rest was never written.
    let written = 0;
    for await (const { path: p } of filesBelow(dir)) {
      written = Math.max(written, (await Deno.stat(p)).size);
    }
    assert.ok(written <= info.size, `a file of ${written} bytes for a ${info.size}-byte file`);
    await r.hub.settled();
    const served = r.hub.bodyBytes((q) => q.file === path);
    const bodies = r.hub.requests.filter((q) => q.file === path).length;
    console.log(`endless body: ${bodies} request(s), served ${served} bytes for ${info.size}`);
  } finally {
    await r.close();
  }
});
