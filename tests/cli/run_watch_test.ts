import assert from "node:assert/strict";
import { join } from "node:path";
import { bigRepo, startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { nightpull, spawnNightpull, startServe } from "./_serve.ts";
import { followCli } from "../_support/cli.ts";
import { waitFor } from "../_support/wait.ts";

const MIB = 1024 * 1024;
const TOKEN = "watch-token-91c2";

async function post<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

Deno.test("run watch and schedule run --follow draw a run's progress and exit with its code", async () => {
  const size = 6 * MIB + 3;
  const hub = await startFakeHub({ repos: [bigRepo(size)] });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-watch-" });
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
    NIGHTPULL_TOKEN: TOKEN,
  };
  const serve = await startServe(["--data", dir, "--connections", "1"], env);
  const api = `${serve.url}/api/v1`;
  const cli = (args: string[]) => nightpull(args, { ...env, NIGHTPULL_URL: serve.url });
  try {
    // a pause mid-file, ended once the watcher has joined: it sees the file still coming (60 s
    // is a backstop; a slow start of the watcher under load must not miss the run)
    hub.addFault({ path: "big.bin", stallAfterBytes: 2 * MIB, stallMs: 60_000, times: 1 });
    const run = await post<Run>(`${api}/downloads`, {
      source: "hf:acme/big",
      layout: "local-dir",
      dir: join(dir, "out"),
    });
    const watcher = followCli(
      spawnNightpull(["run", "watch", run.id], { ...env, NIGHTPULL_URL: serve.url }),
    );
    await waitFor(
      () => /start big\.bin/.test(watcher.stderr()) && hub.endStalls() > 0,
      "the watcher joined while the file stalls",
      60_000,
    );
    const watched = await watcher.ended;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, new RegExp(`run ${run.id} succeeded`));
    assert.match(watched.stdout, /1 file, 1 downloaded, 0 already present, 6\.0 MiB transferred/);
    // plain progress (stderr is not a terminal): the plan, the file's start and end
    assert.match(
      watched.stderr,
      /1 file at [0-9a-f]{12}: 1 to download, 6\.0 MiB, 0 already present/,
    );
    assert.match(watched.stderr, /start big\.bin \(6\.0 MiB\)/);
    assert.match(
      watched.stderr,
      /running \(attempt 1\)[^]*start[^]*done[^]*succeeded \(attempt 1\)/,
    );
    assert.match(watched.stderr, /done {2}big\.bin \(6\.0 MiB\)/);
    assert.equal((await Deno.stat(join(dir, "out", "big.bin"))).size, size);

    // --json after the end: the stored state and end, one JSON object per line
    const json = await cli(["run", "watch", run.id, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const events = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => `${e.event}:${e.data.status}`), [
      "state:succeeded",
      "end:succeeded",
    ]);

    // a failed run exits with its error's code: a wrong sha256 is a checksum mismatch (5)
    const bad = await post<Run>(`${api}/downloads`, {
      source: `${hub.url}/acme/big/resolve/main/big.bin`,
      sha256: "0".repeat(64),
      filename: "wrong.bin",
      dir: join(dir, "urls"),
      retry: { attempts: 1 },
    });
    const failed = await cli(["run", "watch", bad.id]);
    assert.equal(failed.code, 5, failed.stderr + failed.stdout);
    assert.match(failed.stdout, /failed after 1 attempt.*checksum_mismatch/);

    // schedule run --follow: trigger, then the same view; the repo is present now
    const schedule = await post<{ id: string }>(`${api}/schedules`, {
      source: "hf:acme/big",
      layout: "local-dir",
      dir: join(dir, "out"),
      trigger: { type: "cron", expression: "0 3 * * *" },
    });
    const followed = await cli(["schedule", "run", schedule.id, "--follow"]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /started run \w+/);
    assert.match(
      followed.stdout,
      /succeeded at [0-9a-f]{12}: 1 file, 0 downloaded, 1 already present, 0 B/,
    );

    const unknown = await cli(["run", "watch", "01JD7S3W5X9QK2M8V4N6R0T1YB"]);
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.match(unknown.stderr, /not found/);
    const noToken = await nightpull(["run", "watch", run.id], {
      ...env,
      NIGHTPULL_TOKEN: "",
      NIGHTPULL_URL: serve.url,
    });
    assert.equal(noToken.code, 3, noToken.stderr);
    const usage = await cli(["run", "follow", run.id]);
    assert.equal(usage.code, 2);
  } finally {
    assert.equal(await serve.stop(), 0, serve.log());
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
