/**
 * `onEnd: "pause"` end to end, on the wall clock: a real `serve` downloads a file throttled to
 * outlast its time window; at the window's end the transfer stops (run `waiting_window`, the
 * `.part.nightpull` part kept), `serve` is SIGKILLed and started again, and at the next opening the
 * same run resumes with a Range request from the part's size and ends `succeeded` with the
 * blob's SHA-256 equal to the hub's.
 *
 * Windows are minute-granular, so the test builds them around the current UTC minute: one open
 * now and closing at the next minute boundary at least 12 s away, a second opening one minute
 * later. A bandwidth timetable holds the transfer to 256 KiB/s until that opening and lifts
 * the limit after it. It takes 1.5 to 2.5 minutes, hence tests/long.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { type ServeProcess, startServe } from "../cli/_serve.ts";
import { api, until } from "../e2e/_occurrences.ts";

const MIN = 60_000;
const MiB = 1024 * 1024;
const REPO = "acme/slow";
const FILE = "big.bin";
const SIZE = 24 * MiB; // 96 s at 256 KiB/s: it cannot finish inside the first window (≤ 72 s)

/** `HH:MM` (UTC) of an instant. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const iso = (ms: number) => new Date(ms).toISOString();

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

Deno.test("onEnd pause: stopped at the window's end, serve restarted, resumed with Range at the next opening", async () => {
  const hub = await startFakeHub({
    repos: [{ id: REPO, branches: { main: [{ path: FILE, size: SIZE, seed: "window-pause" }] } }],
  });
  const info = hub.fileInfo(REPO, FILE);
  const dir = await Deno.makeTempDir({ prefix: "nightpull-window-pause-" });
  const hubCache = join(dir, "hub");
  const blobs = join(hubCache, "models--acme--slow", "blobs");
  const part = join(blobs, `${info.sha256}.part.nightpull`);
  const blob = join(blobs, info.sha256);
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_HUB_CACHE: hubCache,
    HF_ENDPOINT: hub.url,
    NIGHTPULL_TOKEN: "",
  };
  const args = ["--data", join(dir, "data"), "--timezone", "UTC"];
  let serve: ServeProcess | null = await startServe(args, env);
  try {
    let base = `${serve.url}/api/v1`;
    const now = Date.now();
    const open = Math.floor(now / MIN) * MIN; // inclusive start: open now
    let close = open + MIN;
    if (close - now < 12_000) close += MIN;
    const reopen = close + MIN;
    const schedule = await api<{ id: string }>(`${base}/schedules`, "POST", {
      name: "window-pause",
      source: `hf:${REPO}@main`,
      trigger: { type: "cron", expression: "0 0 1 1 *" },
      timeWindow: {
        windows: [
          { start: hhmm(open), end: hhmm(close) },
          { start: hhmm(reopen), end: hhmm(reopen + 30 * MIN) },
        ],
        timezone: "UTC",
        onEnd: "pause",
      },
      bandwidth: `${hhmm(open)},256k ${hhmm(reopen)},off`,
    });
    const triggered = await api<Run>(`${base}/schedules/${schedule.id}/trigger`, "POST");
    const runUrl = () => `${base}/runs/${triggered.id}`;
    await until(() => api<Run>(runUrl()), (r) => r.status === "running", 10_000, "the start");

    // the window closes while the transfer runs
    const waiting = await until(
      () => api<Run>(runUrl()),
      (r) => r.status !== "running" && r.status !== "pending",
      close - Date.now() + 20_000,
      "the run to stop at the window's end",
    );
    assert.equal(waiting.status, "waiting_window", JSON.stringify(waiting));
    assert.ok(Date.now() >= close, "not before the boundary");
    assert.equal(waiting.attempt, 1);
    assert.equal(waiting.reason, "outside_window");
    assert.equal(waiting.dueAt, iso(reopen));
    assert.equal(waiting.nextOpen, iso(reopen));
    const status = await api<{ items: { open: boolean; nextOpen: string }[] }>(
      `${base}/time-window/status`,
    );
    assert.deepEqual(status.items.map((w) => [w.open, w.nextOpen]), [[false, iso(reopen)]]);

    // SIGKILL: the waiting run and the part must already be safe on disk
    await serve.stop("SIGKILL");
    serve = null;
    const kept = await sizeOf(part);
    assert.ok(kept !== null && kept > 0 && kept < SIZE, `the part is kept: ${kept} bytes`);
    assert.equal(await sizeOf(blob), null, "nothing under the final name yet");
    await hub.settled();
    const before = hub.requests.length;

    serve = await startServe(args, env);
    base = `${serve.url}/api/v1`;
    const stillWaiting = await api<Run>(runUrl());
    assert.equal(stillWaiting.status, "waiting_window", "not resumed before the opening");
    const done = await until(
      () => api<Run>(runUrl()),
      (r) => r.status === "succeeded" || r.status === "failed",
      reopen - Date.now() + 30_000,
      "the run to resume and finish after the opening",
    );
    assert.equal(done.status, "succeeded", JSON.stringify(done));
    assert.equal(done.id, triggered.id);
    assert.equal(done.attempt, 1, "the same attempt went on");
    assert.ok(Date.parse(done.finishedAt!) >= reopen, "finished after the opening");
    // a resumed run reports its file's bytes, the resumed prefix included (its true total);
    // what crossed the wire is checked on the hub's log below
    assert.equal(done.bytes, SIZE, "the run carries the file's true total");

    await hub.settled();
    const resumed = hub.requests.slice(before).filter((r) => r.file === FILE && r.method === "GET");
    assert.ok(resumed.length >= 1, "the file was requested again");
    assert.equal(resumed[0].range, `bytes=${kept}-`, "resumed from the part's size");
    assert.equal(resumed.reduce((n, r) => n + r.bodyBytes, 0), SIZE - kept);

    const digest = createHash("sha256").update(await Deno.readFile(blob)).digest("hex");
    assert.equal(digest, info.sha256, "the blob verifies against the hub");
    assert.equal(await sizeOf(part), null, "the part is gone");
    const runs = await api<{ items: Run[] }>(`${base}/schedules/${schedule.id}/runs`);
    assert.deepEqual(runs.items.map((r) => r.id), [triggered.id], "no new occurrence");
  } finally {
    const code = serve ? await serve.stop("SIGTERM") : 0;
    await hub.close();
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, serve?.log());
  }
});
