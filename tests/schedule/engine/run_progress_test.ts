import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import { ManualClock } from "../../../src/time/manual_clock.ts";
import { RunEventHub } from "../../../src/api/events/run_event_hub.ts";
import { type RunProgress, RunProgressTracker } from "../../../src/schedule/engine/run_progress.ts";
import { type RunStreamEvent, RunSubscription } from "../../../src/api/events/run_subscription.ts";
import type { EngineEvent } from "../../../src/schedule/engine/engine.ts";
import type { Run } from "../../../src/store/records.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const MIB = 1024 * 1024;

function run(status: Run["status"], extra: Partial<Run> = {}): Run {
  return {
    id: "01RUN",
    scheduleId: "01SCHED",
    plannedAt: new Date(T0).toISOString(),
    trigger: "manual",
    status,
    reason: null,
    attempt: 1,
    startedAt: null,
    finishedAt: null,
    commit: null,
    files: { total: 0, done: 0, skipped: 0 },
    bytes: 0,
    error: null,
    ...extra,
  };
}

/** `event:status` of a state or end event; `progress` for progress. */
function label(e: RunStreamEvent): string {
  return e.event === "progress" ? "progress" : `${e.event}:${e.data.status}`;
}

/** Reads what is queued right now (the subscription resolves queued events at once). */
async function drain(sub: RunSubscription): Promise<RunStreamEvent[]> {
  const out: RunStreamEvent[] = [];
  while (sub.queued > 0) out.push((await sub.next())!);
  return out;
}

Deno.test("tracker: resumed prefix counts as progress, not rate; ETA from the rate; done files listed once", () => {
  const t = new RunProgressTracker("r1");
  t.apply({
    type: "plan",
    commit: "abc",
    files: [
      { path: "big.bin", size: 10 * MIB, skip: false },
      { path: "small.json", size: 100, skip: false },
      { path: "old.txt", size: 5, skip: true },
    ],
  });
  t.apply({ type: "progress", path: "big.bin", bytes: 4 * MIB, total: 10 * MIB }); // resumed
  let s = t.snapshot(T0);
  assert.deepEqual(s.totals.files, { total: 3, done: 0, skipped: 1 });
  assert.equal(s.totals.total, 10 * MIB + 100);
  assert.equal(s.totals.bytes, 4 * MIB);
  assert.equal(s.totals.rate, null, "one sample: no rate yet");
  assert.deepEqual(s.files.map((f) => [f.path, f.bytes, f.rate]), [["big.bin", 4 * MIB, null]]);

  t.apply({ type: "progress", path: "big.bin", bytes: 5 * MIB, total: 10 * MIB });
  s = t.snapshot(T0 + 1000);
  assert.equal(s.files[0].rate, MIB, "1 MiB in 1 s");
  assert.equal(s.files[0].eta, 5, "5 MiB left at 1 MiB/s");
  assert.equal(s.totals.rate, MIB, "the resumed 4 MiB are not transfer");

  t.apply({ type: "progress", path: "small.json", bytes: 0, total: 100 });
  t.apply({ type: "file", path: "small.json", status: "done", bytes: 100 });
  t.apply({ type: "file", path: "old.txt", status: "skipped", bytes: 5 });
  s = t.snapshot(T0 + 1250);
  assert.deepEqual(s.files.map((f) => [f.path, f.done ?? false]), [
    ["big.bin", false],
    ["small.json", true],
  ]);
  assert.deepEqual(s.totals.files, { total: 3, done: 1, skipped: 1 });
  assert.equal(s.totals.bytes, 5 * MIB + 100);
  s = t.snapshot(T0 + 1500);
  assert.deepEqual(s.files.map((f) => f.path), ["big.bin"], "a done file is listed once");

  t.apply({ type: "progress", path: "big.bin", bytes: 10 * MIB, total: 10 * MIB });
  t.apply({ type: "file", path: "big.bin", status: "done", bytes: 10 * MIB });
  s = t.snapshot(T0 + 2000);
  assert.equal(s.totals.bytes, s.totals.total);
  assert.equal(s.totals.eta, 0);
  assert.equal(s.commit, "abc");

  // a retried attempt plans again: counters start over
  t.apply({
    type: "plan",
    commit: "abc",
    files: [{ path: "big.bin", size: 10 * MIB, skip: true }],
  });
  assert.deepEqual(t.snapshot(T0 + 3000).totals.files, { total: 1, done: 0, skipped: 1 });
});

Deno.test("tracker: a planned file another writer finished counts as done once, marked elsewhere, its bytes not this run's", () => {
  const t = new RunProgressTracker("r1");
  t.apply({
    type: "plan",
    commit: null,
    files: [
      { path: "mine.bin", size: 100, skip: false },
      { path: "theirs.bin", size: 50, skip: false },
      { path: "present.txt", size: 5, skip: true },
    ],
  });
  t.apply({ type: "file", path: "present.txt", status: "skipped", bytes: 5 });
  t.apply({ type: "file", path: "theirs.bin", status: "skipped", bytes: 50 });
  t.apply({ type: "progress", path: "mine.bin", bytes: 100, total: 100 });
  t.apply({ type: "file", path: "mine.bin", status: "done", bytes: 100 });
  t.apply({ type: "file", path: "mine.bin", status: "done", bytes: 100 });
  const s = t.snapshot(T0);
  assert.deepEqual(s.files.map((f) => [f.path, f.done, f.elsewhere ?? false]), [
    ["theirs.bin", true, true],
    ["mine.bin", true, false],
  ]);
  assert.deepEqual(s.totals.files, { total: 3, done: 2, skipped: 1 });
  // theirs.bin's bytes are not this run's: the run moved and planned mine.bin's only
  assert.equal(s.totals.bytes, 100);
  assert.equal(s.totals.total, 100);
  assert.equal(s.totals.eta, 0);
});

Deno.test("subscription: progress coalesces, states and end are kept in order, the queue stays bounded", async () => {
  const sub = new RunSubscription("01RUN", 8);
  const progress = (n: number) => ({ runId: "01RUN", at: String(n) }) as unknown as RunProgress;
  for (let i = 0; i < 10_000; i++) {
    sub.pushProgress(progress(i));
    if (i % 2500 === 0) sub.pushState(run(i === 0 ? "running" : "pending", { attempt: i }));
  }
  sub.pushProgress(progress(10_000));
  sub.pushEnd(run("succeeded", { attempt: 7500 }));
  assert.ok(sub.highWater <= 8 + 4, `held ${sub.highWater}`);
  assert.ok(sub.dropped > 9_900);
  const events = await drain(sub);
  assert.deepEqual(
    events.filter((e) => e.event !== "progress").map((e) => label(e)),
    [
      "state:running",
      "state:pending",
      "state:pending",
      "state:pending",
      "state:succeeded",
      "end:succeeded",
    ],
  );
  const last = events.filter((e) => e.event === "progress").pop()!;
  assert.equal((last.data as RunProgress).at, "10000", "the newest progress survives");
  assert.equal(await sub.next(), null, "nothing after end");
  // a state repeated (same status and attempt) is not queued twice
  const again = new RunSubscription("01RUN");
  again.pushState(run("running"));
  again.pushState(run("running"));
  assert.equal(again.queued, 1);
  again.close();
  assert.equal(await again.next(), null);
});

/** A hub on a manual clock fed by hand, with a stored run the test sets. */
function hubRig(stored: { run: Run | null }) {
  const clock = new ManualClock(T0);
  let feed: ((e: EngineEvent) => void) | null = null;
  const hub = new RunEventHub({
    clock,
    subscribe: (fn) => {
      feed = fn;
      return () => feed = null;
    },
    loadRun: (id) => {
      if (!stored.run || stored.run.id !== id) {
        return Promise.reject(new NightpullError("not_found", `run "${id}" not found`));
      }
      return Promise.resolve(stored.run);
    },
  });
  const emit = (e: EngineEvent) => feed!(e);
  return { clock, hub, emit };
}

Deno.test("hub: progress at most every 250 ms, bytes rising to the size, last bytes before the final state, then end", async () => {
  const stored = { run: run("running") as Run | null };
  const { clock, hub, emit } = hubRig(stored);
  try {
    const sub = await hub.subscribe("01RUN");
    const size = 8 * MIB;
    emit({
      type: "progress",
      runId: "01RUN",
      event: { type: "plan", commit: "c1", files: [{ path: "w.bin", size, skip: false }] },
    });
    // a chunk every 10 ms for 2 s, read by a reader that keeps up
    const events: RunStreamEvent[] = [];
    for (let b = 0; b <= size; b += size / 200) {
      emit({
        type: "progress",
        runId: "01RUN",
        event: { type: "progress", path: "w.bin", bytes: b, total: size },
      });
      clock.advance(10);
      events.push(...await drain(sub));
    }
    emit({
      type: "progress",
      runId: "01RUN",
      event: { type: "file", path: "w.bin", status: "done", bytes: size },
    });
    emit({ type: "run", run: run("succeeded", { bytes: size }) });
    events.push(...await drain(sub));
    assert.equal(events[0].event, "state");
    assert.equal(label(events[0]), "state:running");
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data as RunProgress);
    assert.ok(progress.length >= 8 && progress.length <= 10, `${progress.length} progress events`);
    const times = progress.map((p) => Date.parse(p.at));
    for (let i = 1; i < times.length - 1; i++) {
      assert.ok(times[i] - times[i - 1] >= 250, `events ${times[i] - times[i - 1]} ms apart`);
    }
    const bytes = progress.map((p) => p.totals.bytes);
    assert.deepEqual(bytes, [...bytes].sort((a, b) => a - b), "bytes never go back");
    assert.equal(bytes.at(-1), size);
    assert.ok(progress[3].totals.rate! > 0 && progress[3].files[0].eta! > 0);
    assert.deepEqual(events.slice(-2).map((e) => label(e)), [
      "state:succeeded",
      "end:succeeded",
    ]);
    assert.equal(await sub.next(), null);
    assert.equal(hub.stats().runs, 0);
    assert.equal(hub.stats().subscribers, 0);
    assert.equal(clock.pendingTimers, 0);
  } finally {
    hub.close();
  }
});

Deno.test("hub: a late subscriber gets the current state and progress; a finished run gets state and end at once", async () => {
  const stored = { run: run("running") as Run | null };
  const { clock, hub, emit } = hubRig(stored);
  try {
    emit({
      type: "progress",
      runId: "01RUN",
      event: { type: "plan", commit: null, files: [{ path: "a.iso", size: 1000, skip: false }] },
    });
    emit({
      type: "progress",
      runId: "01RUN",
      event: { type: "progress", path: "a.iso", bytes: 600, total: 1000 },
    });
    clock.advance(5000);
    const late = await hub.subscribe("01RUN");
    const first = await drain(late);
    assert.deepEqual(first.map((e) => e.event), ["state", "progress"]);
    assert.equal((first[1].data as RunProgress).totals.bytes, 600);
    late.close();
    assert.equal(hub.stats().runs, 1, "the local run stays followed");
    assert.equal(hub.stats().subscribers, 0);

    stored.run = run("failed", { id: "01DONE", error: { code: "network_error", message: "x" } });
    const done = await hub.subscribe("01DONE");
    const events = await drain(done);
    assert.deepEqual(events.map((e) => label(e)), [
      "state:failed",
      "end:failed",
    ]);
    assert.equal(await done.next(), null);

    await assert.rejects(hub.subscribe("01NOPE"), /not found/);
    assert.equal(hub.stats().runs, 1);
    assert.equal(hub.stats().subscribers, 0);
  } finally {
    hub.close();
  }
});

Deno.test("hub: a run of another process is followed through the store", async () => {
  const stored = { run: run("pending") as Run | null };
  const { clock, hub } = hubRig(stored);
  try {
    const sub = await hub.subscribe("01RUN");
    assert.deepEqual((await drain(sub)).map((e) => label(e)), ["state:pending"]);
    stored.run = run("running", { startedAt: new Date(T0 + 500).toISOString() });
    clock.advance(1000);
    await waitFor(() => sub.queued > 0);
    assert.deepEqual((await drain(sub)).map((e) => label(e)), [
      "state:running",
    ]);
    stored.run = run("succeeded");
    clock.advance(1000);
    await waitFor(() => sub.queued > 0);
    assert.deepEqual((await drain(sub)).map((e) => label(e)), [
      "state:succeeded",
      "end:succeeded",
    ]);
    assert.equal(await sub.next(), null);
    // the poll re-arms only while someone listens
    clock.advance(1000);
    await waitFor(() => clock.pendingTimers === 0);
  } finally {
    hub.close();
  }
});

/** Lets promise callbacks run until `done` holds (no timers involved). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await Promise.resolve();
  assert.ok(done(), "condition not reached");
}

Deno.test("hub: a run nobody watches that went silent for an hour is forgotten when another starts", () => {
  const { clock, hub, emit } = hubRig({ run: null });
  try {
    const plan = (runId: string) =>
      emit({ type: "progress", runId, event: { type: "plan", commit: null, files: [] } });
    plan("01A");
    clock.advance(30 * 60_000);
    plan("01B");
    assert.equal(hub.stats().runs, 2);
    clock.advance(45 * 60_000);
    plan("01C");
    assert.equal(hub.stats().runs, 2, "01A (silent 75 min) is gone, 01B (45 min) stays");
  } finally {
    hub.close();
  }
});

Deno.test("a plan that tells present files by count alone counts them total and skipped", () => {
  const tracker = new RunProgressTracker("01RUN");
  tracker.apply({
    type: "plan",
    commit: "c",
    files: [{ path: "new.bin", size: MIB, skip: false }],
    present: 100_000,
  });
  const p = tracker.snapshot(T0);
  assert.deepEqual(p.totals.files, { total: 100_001, done: 0, skipped: 100_000 });
  assert.equal(p.totals.total, MIB);
});
