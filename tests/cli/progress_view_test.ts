import assert from "node:assert/strict";
import { PullProgress } from "../../src/cli/progress.ts";
import { ProgressView } from "../../src/cli/progress_view.ts";
import type { PullEvent } from "../../src/download/pull/pull.ts";
import { type RunProgress, RunProgressTracker } from "../../src/schedule/engine/run_progress.ts";

const T0 = Date.parse("2026-12-02T04:00:00Z");
const MIB = 1024 * 1024;

function clock() {
  let t = T0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A pull of two files, one resumed, a third finished by another process, one already present. */
const EVENTS: PullEvent[] = [
  {
    type: "plan",
    commit: "0123456789abcdef0123456789abcdef01234567",
    files: [
      { path: "a.bin", size: 4 * MIB, skip: false },
      { path: "b.bin", size: 2 * MIB, skip: false },
      { path: "c.bin", size: 1000, skip: false },
      { path: "old.txt", size: 5, skip: true },
    ],
  },
  { type: "file", path: "old.txt", status: "skipped", bytes: 5 },
  { type: "progress", path: "a.bin", bytes: MIB, total: 4 * MIB },
  { type: "progress", path: "b.bin", bytes: 0, total: 2 * MIB },
  { type: "progress", path: "a.bin", bytes: 2 * MIB, total: 4 * MIB },
  { type: "progress", path: "b.bin", bytes: MIB, total: 2 * MIB },
  { type: "file", path: "c.bin", status: "skipped", bytes: 1000 },
  { type: "progress", path: "a.bin", bytes: 4 * MIB, total: 4 * MIB },
  { type: "file", path: "a.bin", status: "done", bytes: 4 * MIB },
  { type: "progress", path: "b.bin", bytes: 2 * MIB, total: 2 * MIB },
  { type: "file", path: "b.bin", status: "done", bytes: 2 * MIB },
];

Deno.test("one model: a local pull and a run watched over SSE draw the same lines from the same snapshots", () => {
  const local: string[] = [];
  const c = clock();
  const pull = new PullProgress({
    mode: "plain",
    write: (s) => local.push(s),
    now: c.now,
    plainTotalMs: 1000,
  });
  // the server side: a tracker whose snapshots travel as JSON (as in an SSE `progress` event)
  const remote: string[] = [];
  const server = new RunProgressTracker("01RUN");
  const view = new ProgressView({
    mode: "plain",
    write: (s) => remote.push(s),
    now: c.now,
    plainTotalMs: 1000,
  });
  for (const event of EVENTS) {
    c.advance(500); // apart by more than the redraw interval: the local side snapshots each event
    pull.onEvent(event);
    server.apply(event);
    view.update(JSON.parse(JSON.stringify(server.snapshot(c.now()))) as RunProgress);
  }
  pull.finish();
  view.finish();
  assert.deepEqual(remote, local);
  assert.deepEqual(local.filter((l) => !l.startsWith("total")), [
    "4 files at 0123456789ab: 3 to download, 6.0 MiB, 1 already present\n",
    "start a.bin (4.0 MiB) from 1.0 MiB\n",
    "start b.bin (2.0 MiB)\n",
    "done  c.bin (downloaded by another process)\n",
    "done  a.bin (4.0 MiB)\n",
    "done  b.bin (2.0 MiB)\n",
  ]);
  // the resumed MiB of a.bin is progress, not transfer: no rate from it
  assert.ok(
    local.includes("total [###.................] 1.0 MiB/6.0 MiB  0 B/s  ETA --  0/3 files\n"),
  );
  // c.bin's 1000 bytes were another process's: not this pull's
  assert.equal(pull.view.latest!.totals.bytes, 6 * MIB);
  assert.deepEqual(pull.view.latest!.totals.files, { total: 4, done: 3, skipped: 1 });
});

Deno.test("run watch view: the server's rate and ETA are shown as sent, not recomputed", () => {
  const out: string[] = [];
  const c = clock();
  const view = new ProgressView({ mode: "plain", write: (s) => out.push(s), now: c.now });
  const snapshot = (bytes: number, rate: number | null, eta: number | null): RunProgress => ({
    runId: "01RUN",
    at: new Date(c.now()).toISOString(),
    commit: null,
    files: [{ path: "w.bin", bytes, total: 10 * MIB, rate, eta }],
    totals: {
      bytes,
      total: 10 * MIB,
      rate,
      eta,
      files: { total: 1, done: 0, skipped: 0 },
    },
  });
  view.update(snapshot(MIB, null, null));
  c.advance(5000);
  // 1 MiB more in 5 s would be 205 KiB/s; the server says 3 MiB/s over its window, ETA 3 s
  view.update(snapshot(2 * MIB, 3 * MIB, 3));
  assert.deepEqual(out, [
    "1 file: 1 to download, 10.0 MiB, 0 already present\n",
    "start w.bin (10.0 MiB) from 1.0 MiB\n",
    "total [####................] 2.0 MiB/10.0 MiB  3.0 MiB/s  ETA 3s  0/1 files\n",
  ]);
});

Deno.test("run watch view: a file that left the list finished in a snapshot this reader missed", () => {
  const out: string[] = [];
  const view = new ProgressView({ mode: "plain", write: (s) => out.push(s), now: () => 0 });
  const base: RunProgress = {
    runId: "01RUN",
    at: "2026-12-02T04:00:00.000Z",
    commit: null,
    files: [{ path: "x", bytes: 10, total: 100, rate: null, eta: null }],
    totals: {
      bytes: 10,
      total: 100,
      rate: null,
      eta: null,
      files: { total: 1, done: 0, skipped: 0 },
    },
  };
  view.update(base);
  view.update({ ...base, files: [], totals: { ...base.totals, bytes: 100 } });
  view.update({ ...base, files: [], totals: { ...base.totals, bytes: 100 } });
  assert.deepEqual(out, [
    "1 file: 1 to download, 100 B, 0 already present\n",
    "start x (100 B) from 10 B\n",
    "done  x (100 B)\n",
  ]);
});
