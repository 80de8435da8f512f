import assert from "node:assert/strict";
import { PullProgress } from "../../src/cli/progress.ts";
import { fitText, renderBar, totalLine } from "../../src/cli/progress_text.ts";
import { formatRate } from "../../src/byte_size.ts";
import { formatEta } from "../../src/time/elapsed.ts";

Deno.test("formatRate and formatEta handle unknowns", () => {
  assert.equal(formatRate(2 * 1024 * 1024), "2.0 MiB/s");
  assert.equal(formatRate(null), "--/s");
  assert.equal(formatRate(Infinity), "--/s");
  assert.equal(formatEta(0.2), "1s");
  assert.equal(formatEta(59), "59s");
  assert.equal(formatEta(65), "1m05s");
  assert.equal(formatEta(2 * 3600 + 3 * 60 + 1), "2h03m");
  assert.equal(formatEta(null), "--");
  assert.equal(formatEta(1e9), "--");
});

Deno.test("renderBar is always exactly the width asked", () => {
  assert.equal(renderBar(0, 12), "[..........]");
  assert.equal(renderBar(0.5, 12), "[#####.....]");
  assert.equal(renderBar(1, 12), "[##########]");
  assert.equal(renderBar(7, 12), "[##########]");
  assert.equal(renderBar(null, 12), "[..........]");
  for (const f of [0, 0.01, 0.33, 0.999, 1]) assert.equal(renderBar(f, 30).length, 30);
});

Deno.test("fitText keeps both ends of long paths", () => {
  assert.equal(fitText("abc", 6), "abc   ");
  assert.equal(fitText("folder/sub/model.safetensors", 11), "folde…nsors");
  assert.equal(fitText("folder/sub/model.safetensors", 11).length, 11);
});

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

Deno.test("plain mode: one line per file start and finish, a total every 5 s", () => {
  const out: string[] = [];
  const c = clock();
  const d = new PullProgress({ mode: "plain", write: (s) => out.push(s), now: c.now });
  d.onEvent({
    type: "plan",
    commit: "0123456789abcdef0123456789abcdef01234567",
    files: [
      { path: "a.bin", size: 2048, skip: false },
      { path: "b.json", size: 10, skip: true },
    ],
  });
  d.onEvent({ type: "file", path: "b.json", status: "skipped", bytes: 10 });
  d.onEvent({ type: "progress", path: "a.bin", bytes: 0, total: 2048 });
  c.advance(1000);
  d.onEvent({ type: "progress", path: "a.bin", bytes: 1024, total: 2048 });
  c.advance(4500);
  d.onEvent({ type: "progress", path: "a.bin", bytes: 1536, total: 2048 });
  d.onEvent({ type: "file", path: "a.bin", status: "done", bytes: 2048 });
  d.finish();
  assert.deepEqual(out, [
    "2 files at 0123456789ab: 1 to download, 2.0 KiB, 1 already present\n",
    "start a.bin (2.0 KiB)\n",
    "total [###############.....] 1.5 KiB/2.0 KiB  114 B/s  ETA 5s  0/1 files\n",
    "done  a.bin (2.0 KiB)\n",
  ]);
  assert.ok(out.every((l) => !l.includes("\x1b")), "no ANSI codes outside a terminal");
});

Deno.test("plain mode: a resumed file's existing bytes are progress, not rate", () => {
  const out: string[] = [];
  const c = clock();
  const d = new PullProgress({ mode: "plain", write: (s) => out.push(s), now: c.now });
  d.onEvent({ type: "plan", commit: null, files: [{ path: "f", size: 1000, skip: false }] });
  d.onEvent({ type: "progress", path: "f", bytes: 900, total: 1000 });
  c.advance(1000);
  d.onEvent({ type: "progress", path: "f", bytes: 950, total: 1000 });
  assert.equal(out[1], "start f (1000 B) from 900 B\n");
  assert.equal(d.view.latest!.totals.rate, 50);
  assert.match(totalLine(d.view.latest!), /950 B\/1000 B {2}50 B\/s {2}ETA 1s/);
});

Deno.test("tty mode: redraws in place at most every 100 ms", () => {
  const out: string[] = [];
  const c = clock();
  const d = new PullProgress({
    mode: "tty",
    write: (s) => out.push(s),
    now: c.now,
    columns: 80,
  });
  d.onEvent({
    type: "plan",
    commit: null,
    files: [{ path: "x/y.bin", size: 100, skip: false }, { path: "z", size: 100, skip: false }],
  });
  const afterPlan = out.length;
  d.onEvent({ type: "progress", path: "x/y.bin", bytes: 10, total: 100 });
  d.onEvent({ type: "progress", path: "z", bytes: 10, total: 100 });
  c.advance(50);
  d.onEvent({ type: "progress", path: "x/y.bin", bytes: 20, total: 100 });
  assert.equal(out.length, afterPlan, "throttled: the plan line just drew the block");
  c.advance(60);
  d.onEvent({ type: "progress", path: "x/y.bin", bytes: 25, total: 100 });
  assert.equal(out.length, afterPlan + 1, "a redraw once 100 ms have passed");
  c.advance(100);
  d.onEvent({ type: "progress", path: "x/y.bin", bytes: 30, total: 100 });
  assert.equal(out.length, afterPlan + 2);
  const frame = out.at(-1)!;
  // moves up over the previous block (2 bars + total), then redraws it
  assert.ok(frame.startsWith("\x1b[3A\r"), JSON.stringify(frame.slice(0, 10)));
  assert.match(frame, /x\/y\.bin +\[######\.+\] +30% 30 B\/100 B/);
  assert.match(frame, /total \[#+\.+\] 40 B\/200 B/);
  for (const line of frame.split("\n").slice(0, -1)) {
    // deno-lint-ignore no-control-regex -- stripping the ANSI codes under test
    const visible = line.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, "");
    assert.ok(visible.length < 80, `fits the terminal: ${visible}`);
  }
});

Deno.test("quiet mode writes nothing", () => {
  const out: string[] = [];
  const d = new PullProgress({ mode: "quiet", write: (s) => out.push(s) });
  d.onEvent({ type: "plan", commit: null, files: [{ path: "f", size: 1, skip: false }] });
  d.onEvent({ type: "progress", path: "f", bytes: 1, total: 1 });
  d.onEvent({ type: "file", path: "f", status: "done", bytes: 1 });
  d.finish();
  assert.deepEqual(out, []);
});

Deno.test("a rate-limit wait is one line: who limits and when it resumes", () => {
  const out: string[] = [];
  const d = new PullProgress({ mode: "plain", write: (s) => out.push(s) });
  d.onEvent({
    type: "wait",
    reason: "rate_limited",
    by: "the hub",
    seconds: 55,
    until: "2026-12-02T03:00:55.000Z",
  });
  assert.deepEqual(out, ["rate limited by the hub, resuming in 55 s\n"]);
  const quiet: string[] = [];
  new PullProgress({ mode: "quiet", write: (s) => quiet.push(s) }).onEvent({
    type: "wait",
    reason: "rate_limited",
    by: "the hub",
    seconds: 55,
    until: "2026-12-02T03:00:55.000Z",
  });
  assert.deepEqual(quiet, []);
});
