import assert from "node:assert/strict";
import { join } from "node:path";
import { commitWithRetry, updateWithCheck } from "../../src/store/commit.ts";
import { openKv } from "../../src/store/open_kv.ts";

Deno.test("openKv creates the data dir and persists across handles", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "nested", "nightpull.kv");
  try {
    const a = await openKv(path);
    await a.set(["np", "x"], 1);
    a.close();
    const b = await openKv(path);
    assert.equal((await b.get(["np", "x"])).value, 1);
    b.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openKv refuses an unusable location with kv_unavailable", async () => {
  const file = await Deno.makeTempFile();
  try {
    // a regular file used as a directory cannot hold the KV
    await assert.rejects(
      () => openKv(join(file, "sub", "x.kv")),
      /cannot (open KV|create)|Not a directory|os error 20/,
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("updateWithCheck: concurrent read-modify-writes from two handles on one file lose nothing", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "np.kv");
  const handles = [await openKv(path), await openKv(path)];
  const key = ["np", "counter"];
  try {
    const increment = (kv: Deno.Kv) =>
      updateWithCheck(async () => {
        const cur = await kv.get<number>(key);
        return { op: kv.atomic().check(cur).set(key, (cur.value ?? 0) + 1), result: true };
      });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => increment(handles[i % 2])),
    );
    assert.equal((await handles[0].get<number>(key)).value, 60);
  } finally {
    handles.forEach((h) => h.close());
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("commitWithRetry reports a failed check without retrying; updateWithCheck stops on null", async () => {
  const kv = await openKv(":memory:");
  try {
    await kv.set(["np", "a"], 1);
    const stale = { key: ["np", "a"], versionstamp: "00000000000000000000" };
    const res = await commitWithRetry(() => kv.atomic().check(stale).set(["np", "a"], 2));
    assert.equal(res.ok, false);
    assert.equal((await kv.get(["np", "a"])).value, 1);
    assert.equal(await updateWithCheck(() => Promise.resolve(null)), null);
  } finally {
    kv.close();
  }
});

Deno.test("four processes writing one KV file at once: no 'database is locked' reaches a caller", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "np.kv");
  const script = new URL("./_kv_writer.ts", import.meta.url).pathname;
  const count = 120;
  try {
    const children = ["a", "b", "c", "d"].map((tag) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--unstable-kv", script, file, String(count), tag],
        stdout: "piped",
        stderr: "piped",
      }).output()
    );
    const outputs = await Promise.all(children);
    for (const out of outputs) {
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const report = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(report.writes, count * 6);
    }
    const kv = await openKv(file);
    try {
      let seen = 0;
      for await (const _ of kv.list({ prefix: ["np", "commits_seen", "models--acme--shared"] })) {
        seen++;
      }
      // each process keeps its even-numbered own sightings, and all share the common ones
      assert.equal(seen, 4 * (count / 2) + count);
      let sessions = 0;
      for await (const _ of kv.list({ prefix: ["np", "sessions"] })) sessions++;
      assert.equal(sessions, 0);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
