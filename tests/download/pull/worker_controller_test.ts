import assert from "node:assert/strict";
import {
  DEFAULT_FILE_CONCURRENCY,
  defaultWorkers,
  INITIAL_WORKERS,
  initialWorkers,
  MANY_FILES_INITIAL_WORKERS,
  SMALL_FILE_BYTES,
  WORKER_LONG_WINDOW_MS,
  WORKER_SETTLE_MS,
  WORKER_WINDOW_MS,
  WorkerController,
  workOrder,
} from "../../../src/download/pull/worker_controller.ts";

/** Rates (per ms) a pull reaches with `workers` running. */
type Link = (workers: number) => { files: number; bytes: number };

/**
 * Feeds the controller samples every 10 ms for `ms`, from a pull whose rates follow `link`
 * for the workers it runs; returns every distinct count it asked for, in order.
 */
function simulate(control: WorkerController, link: Link, ms = 5000): number[] {
  const counts = [control.target];
  let files = 0;
  let bytes = 0;
  for (let now = 0; now <= ms; now += 10) {
    const rate = link(control.target);
    files += rate.files * 10;
    bytes += rate.bytes * 10;
    const target = control.observe(now, Math.floor(files), Math.floor(bytes));
    assert.ok(target >= 1 && target <= control.max, `target ${target} within 1..${control.max}`);
    assert.equal(target, control.target);
    if (target !== counts.at(-1)) counts.push(target);
  }
  return counts;
}

/** Tiny files on a link where every request pays a round trip: rate grows with workers. */
const roundTrips: Link = (n) => ({ files: n * 0.02, bytes: n * 0.02 * 64 });

Deno.test("worker controller: rates that grow with workers take it from a few up to the most, never above", () => {
  const cases: { max: number; want: number[] }[] = [
    { max: 8, want: [2, 4, 8] },
    { max: 6, want: [2, 4, 6] },
    { max: 3, want: [2, 3] },
    { max: 2, want: [2] },
    { max: 1, want: [1] },
    { max: 64, want: [2, 4, 8, 16, 32, 64] },
  ];
  for (const { max, want } of cases) {
    const control = new WorkerController({ max });
    assert.deepEqual(simulate(control, roundTrips, 10_000), want, `max ${max}`);
    assert.equal(control.settled, true, `max ${max} settles`);
  }
});

Deno.test("worker controller: --max-workers 1 means one worker from the start", () => {
  const control = new WorkerController({ max: 1, initial: 4 });
  assert.equal(control.target, 1);
  assert.equal(control.settled, true);
  assert.equal(control.observe(0, 0, 0), 1);
  assert.equal(control.observe(60_000, 1_000_000, 1e9), 1);
});

Deno.test("worker controller: a rate that stops growing stops the steps; one that clearly falls drops back", () => {
  const cases: { name: string; link: Link; want: number[] }[] = [
    // the client's CPU is full at 4 workers: 8 add nothing, and the count stays where it is
    {
      name: "full at 4",
      link: (n) => ({ files: Math.min(n, 4) * 0.02, bytes: 0 }),
      want: [2, 4, 8],
    },
    // no gain at all from 2 to 4: keep 4 (not worse), take no further step
    { name: "flat", link: () => ({ files: 0.04, bytes: 640 }), want: [2, 4] },
    // 4 workers thrash (a disk that seeks): back to 2 for good
    { name: "worse", link: (n) => ({ files: n > 2 ? 0.02 : 0.04, bytes: 0 }), want: [2, 4, 2] },
    // a little noise below the earlier rate is not a reason to drop
    { name: "noise", link: (n) => ({ files: n > 2 ? 0.035 : 0.04, bytes: 0 }), want: [2, 4] },
  ];
  for (const { name, link, want } of cases) {
    const control = new WorkerController({ max: 8 });
    assert.deepEqual(simulate(control, link), want, name);
    assert.equal(control.settled, true, name);
  }
});

Deno.test("worker controller: big files (few finish) are judged on bytes after the long window", () => {
  // one 100 MiB file a second per worker... none finishes within a window; bytes still count
  const control = new WorkerController({ max: 8 });
  const link: Link = (n) => ({ files: 0, bytes: n * 25_000 });
  const counts = simulate(control, link, 3 * (WORKER_SETTLE_MS + WORKER_LONG_WINDOW_MS) + 100);
  assert.deepEqual(counts, [2, 4, 8]);
});

Deno.test("worker controller: no step before the settle time, a full window and twice as many files as workers", () => {
  const control = new WorkerController({ max: 8 });
  assert.equal(control.target, INITIAL_WORKERS);
  control.observe(0, 0, 0);
  control.observe(WORKER_SETTLE_MS, 0, 0); // the window starts here
  const end = WORKER_SETTLE_MS + WORKER_WINDOW_MS;
  assert.equal(control.observe(end - 1, 100, 6400), INITIAL_WORKERS, "window not over");
  assert.equal(control.observe(end, 3, 192), INITIAL_WORKERS, "3 files: too few to judge");
  assert.equal(control.observe(end + 1, 4, 256), 2 * INITIAL_WORKERS, "4 files in the window");
  assert.equal(control.settled, false);
});

Deno.test("worker controller: few files start all their workers at once, many start a few", () => {
  const cases: [files: number, max: number, want: number][] = [
    [20, 16, 16], // the 20-file repo: the ramp could never judge a step on 20 files
    [20, 8, 8],
    [3, 3, 3], // max is already at most the files
    [32, 16, 16],
    [33, 16, MANY_FILES_INITIAL_WORKERS],
    [100_000, 16, MANY_FILES_INITIAL_WORKERS],
    [200, 4, 4],
    [200, 1, 1],
  ];
  for (const [files, max, want] of cases) {
    assert.equal(initialWorkers(files, max), want, `${files} files, at most ${max}`);
  }
});

Deno.test("worker controller: without --max-workers, a pull of up to 32 files to fetch starts them all", () => {
  assert.equal(DEFAULT_FILE_CONCURRENCY, 16);
  const cases: [toFetch: number, want: number][] = [
    [0, 16],
    [1, 16], // capped later by the files there are
    [16, 16],
    [20, 20], // the 20-file repo: every first byte waited for at once
    [32, 32],
    [33, 16], // many files: 16 at most, ramped from 8
    [100_000, 16],
  ];
  for (const [toFetch, want] of cases) assert.equal(defaultWorkers(toFetch), want, `${toFetch}`);
});

Deno.test("worker controller: few files take the small ones first, many keep their order", () => {
  const MiB = 1024 * 1024;
  const job = (name: string, size: number) => ({ name, size });
  const big = [job("a", 5 * MiB), job("b", 2 * MiB), job("c", 2 * MiB)];
  const small = [job("d", SMALL_FILE_BYTES), job("e", 300)];
  const names = (jobs: { name: string }[]) => jobs.map((j) => j.name).join("");
  const cases: [jobs: { name: string; size: number }[], workers: number, want: string][] = [
    [[...big, ...small], 4, "deabc"], // within two rounds: small first, the rest in order
    [[...big, ...small], 2, "abcde"], // more than two rounds: the order given
    [big, 4, "abc"],
    [small, 4, "de"],
    [[], 4, ""],
  ];
  for (const [jobs, workers, want] of cases) {
    assert.equal(names(workOrder(jobs, workers)), want, `${names(jobs)} on ${workers}`);
  }
});
