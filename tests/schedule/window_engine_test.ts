import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import type { Executor } from "../../src/schedule/engine/engine.ts";
import { ManualClock } from "../../src/time/manual_clock.ts";
import type { Run } from "../../src/store/records.ts";
import { getRun, leaseKey, listActiveRuns } from "../../src/store/mod.ts";
import { recordingExecutor, rig, T0, tick, waitFor } from "./_harness.ts";

// T0 is Sunday 2026-03-01 00:00 UTC.
const MIN = 60_000;
const DAY = 86_400_000;
const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" }; // far away: tests trigger
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An executor whose transfers run until released (succeeding) or aborted (failing with
 * `interrupted`, as pull does), recording every call.
 */
function gatedExecutor() {
  const calls: { runId: string; attempt: number }[] = [];
  const releases = new Map<string, () => void>();
  const execute: Executor = ({ run, signal }) => {
    calls.push({ runId: run.id, attempt: run.attempt });
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        releases.delete(run.id);
        reject(new NightpullError("interrupted", "interrupted; partial files are kept"));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      releases.set(run.id, () => {
        signal.removeEventListener("abort", onAbort);
        releases.delete(run.id);
        resolve({ commit: "c0ffee", files: { total: 1, done: 1, skipped: 0 }, bytes: 7 });
      });
    });
  };
  const running = (id: string) => releases.has(id);
  const release = (id: string) => releases.get(id)!();
  return { calls, execute, running, release };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", write: (l) => lines.push(l) });
  const events = (name: string) =>
    lines.map((l) => JSON.parse(l)).filter((e) => e.msg === name || e.event === name);
  return { logger, lines, events };
}

Deno.test("window: occurrences outside are skipped/outside_window with the next opening stored and logged; inside they run", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const log = capture();
  const r = await rig(recordingExecutor(calls), { engine: { logger: log.logger } });
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "cron", expression: "* * * * *" },
      timeWindow: { windows: [{ start: "00:02", end: "00:04" }], timezone: "UTC" },
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 5, MIN);
    const runs = (await r.service.listRuns(s.id)).items.reverse();
    assert.deepEqual(
      runs.map((x) => [x.plannedAt, x.status, x.reason, x.nextOpen ?? "-"]),
      [
        [iso(T0 + MIN), "skipped", "outside_window", iso(T0 + 2 * MIN)],
        [iso(T0 + 2 * MIN), "succeeded", null, "-"],
        [iso(T0 + 3 * MIN), "succeeded", null, "-"],
        [iso(T0 + 4 * MIN), "skipped", "outside_window", iso(T0 + DAY + 2 * MIN)],
        [iso(T0 + 5 * MIN), "skipped", "outside_window", iso(T0 + DAY + 2 * MIN)],
      ],
    );
    assert.equal(calls.length, 2);
    const skippedLines = log.lines.filter((l) => l.includes("run.skipped"));
    assert.equal(skippedLines.length, 3);
    assert.ok(skippedLines[0].includes(iso(T0 + 2 * MIN)), skippedLines[0]);
    assert.ok(skippedLines[1].includes("outside_window"), skippedLines[1]);
    const detail = await r.service.get(s.id);
    assert.equal(detail.stats.skipped, 3);
    assert.equal(detail.stats.succeeded, 2);
  } finally {
    await r.close();
  }
});

Deno.test("window: a schedule without a window runs every occurrence as before", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "cron", expression: "* * * * *" },
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 3, MIN);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.deepEqual(runs.map((x) => x.status), ["succeeded", "succeeded", "succeeded"]);
    assert.ok(runs.every((x) => x.nextOpen === undefined && x.forced === undefined));
  } finally {
    await r.close();
  }
});

Deno.test("window onEnd pause: stopped at the boundary, waiting_window without a lease, resumed as the same run and attempt at the next opening", async () => {
  const gate = gatedExecutor();
  const r = await rig(gate.execute);
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      timeWindow: { windows: [{ start: "00:00", end: "00:10" }], timezone: "UTC", onEnd: "pause" },
    });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await settle(r.clock, () => gate.running(run.id));
    r.clock.set(T0 + 10 * MIN - 1);
    assert.ok(gate.running(run.id), "still inside the window");
    r.clock.set(T0 + 10 * MIN);
    await r.engine.idle();
    let stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "waiting_window");
    assert.equal(stored.reason, "outside_window");
    assert.equal(stored.attempt, 1);
    assert.equal(stored.dueAt, iso(T0 + DAY));
    assert.equal(stored.nextOpen, iso(T0 + DAY));
    assert.equal(stored.finishedAt, null);
    assert.equal((await r.kv.get(leaseKey(run.id))).value, null, "the lease is released");
    const active = await listActiveRuns(r.kv);
    assert.deepEqual(active.get(run.id), {
      scheduleId: s.id,
      status: "waiting_window",
      dueAt: T0 + DAY,
      priority: 5,
    });
    // nothing happens until the opening
    r.clock.set(T0 + DAY - 1);
    await r.engine.idle();
    assert.equal(gate.calls.length, 1);
    r.clock.set(T0 + DAY);
    await settle(r.clock, () => gate.running(run.id));
    assert.deepEqual(gate.calls, [{ runId: run.id, attempt: 1 }, { runId: run.id, attempt: 1 }]);
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "running");
    assert.equal(stored.startedAt, iso(T0), "the attempt keeps its start");
    gate.release(run.id);
    await r.engine.idle();
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.attempt, 1);
    assert.equal(stored.previousAttempts, undefined);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.equal(runs.length, 1, "no new occurrence was created for the resume");
  } finally {
    await r.close();
  }
});

Deno.test("window onEnd pause: a waiting run survives a restart and resumes exactly once across two engines", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const gate = gatedExecutor();
  const first = await rig(gate.execute, { kvPath: path });
  let runId = "";
  let scheduleId = "";
  try {
    const s = await first.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      timeWindow: { windows: [{ start: "00:00", end: "00:10" }], timezone: "UTC", onEnd: "pause" },
    });
    scheduleId = s.id;
    await first.engine.start();
    runId = (await first.service.trigger(s.id)).id;
    await settle(first.clock, () => gate.running(runId));
    first.clock.set(T0 + 10 * MIN);
    await first.engine.idle();
    assert.equal((await getRun(first.kv, runId)).status, "waiting_window");
  } finally {
    await first.close();
  }
  const calls: { runId: string; attempt: number }[] = [];
  const clock = new ManualClock(T0 + 12 * 3_600_000);
  const a = await rig(recordingExecutor(calls), { kvPath: path, clock });
  const b = await rig(recordingExecutor(calls), { kvPath: path, clock });
  try {
    await a.engine.start();
    await b.engine.start();
    await tick({ clock, engines: [a.engine, b.engine] }, 1, DAY - 12 * 3_600_000 - 1000);
    assert.equal(calls.length, 0, "not before the opening");
    await tick({ clock, engines: [a.engine, b.engine] }, 2, 1000);
    await waitFor(async () => (await getRun(a.kv, runId)).status === "succeeded", "resume");
    assert.deepEqual(calls, [{ runId, attempt: 1 }], "resumed once, by one of the engines");
    const runs = (await a.service.listRuns(scheduleId)).items;
    assert.deepEqual(runs.map((x) => [x.id, x.status, x.attempt]), [[runId, "succeeded", 1]]);
  } finally {
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("window onEnd pause: a retry due after the window closed waits for the next opening", async () => {
  let failures = 1;
  const calls: number[] = [];
  const r = await rig(({ run }) => {
    calls.push(run.attempt);
    if (failures-- > 0) return Promise.reject(new NightpullError("network_error", "reset"));
    return Promise.resolve({ commit: null, files: { total: 1, done: 1, skipped: 0 }, bytes: 1 });
  });
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      retry: { attempts: 3, backoff: "2m" },
      timeWindow: { windows: [{ start: "00:00", end: "00:01" }], timezone: "UTC", onEnd: "pause" },
    });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    assert.equal((await getRun(r.kv, run.id)).dueAt, iso(T0 + 2 * MIN));
    r.clock.set(T0 + 2 * MIN);
    await r.engine.idle();
    let stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "waiting_window");
    assert.equal(stored.attempt, 2);
    assert.equal(stored.dueAt, iso(T0 + DAY));
    assert.deepEqual(calls, [1], "nothing transferred outside the window");
    r.clock.set(T0 + DAY);
    await r.engine.idle();
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.deepEqual(calls, [1, 2]);
  } finally {
    await r.close();
  }
});

Deno.test("window onEnd continue: a running transfer finishes past the boundary; a queued run that never began waits for the next opening", async () => {
  const gate = gatedExecutor();
  const r = await rig(gate.execute);
  const at = (ms: number) => r.clock.set(T0 + ms);
  const runs = async () => (await r.service.listRuns(s.id)).items.reverse();
  const s = await r.service.create({
    source: "hf:org/m",
    trigger: { type: "cron", expression: "*/5 * * * *" },
    overlap: "queue",
    timeWindow: { windows: [{ start: "00:00", end: "00:20" }], timezone: "UTC" },
  });
  try {
    await r.engine.start();
    at(5 * MIN);
    const a = await settle(r.clock, async () => (await runs()).find((x) => gate.running(x.id)));
    at(10 * MIN); // queued behind a
    await settle(r.clock, async () => (await runs()).length === 2);
    at(15 * MIN); // one queued already: skipped
    await settle(r.clock, async () => (await runs()).length === 3);
    at(20 * MIN); // the window closed: skipped
    await settle(r.clock, async () => (await runs()).length === 4);
    at(21 * MIN);
    assert.ok(gate.running(a.id), "continue: not stopped at the boundary");
    await r.service.pause(s.id); // no more occurrences; runs in progress go on
    gate.release(a.id);
    await r.engine.idle();
    const [, b] = await runs();
    assert.deepEqual((await runs()).map((x) => [x.status, x.reason]), [
      ["succeeded", null],
      ["waiting_window", "outside_window"],
      ["skipped", "overlap"],
      ["skipped", "outside_window"],
    ]);
    assert.equal(b.dueAt, iso(T0 + DAY));
    assert.equal(b.startedAt, null);
    assert.equal(gate.calls.length, 1, "b transferred nothing outside the window");
    at(DAY);
    await settle(r.clock, () => gate.running(b.id));
    gate.release(b.id);
    await r.engine.idle();
    assert.equal((await getRun(r.kv, b.id)).status, "succeeded");
  } finally {
    await r.close();
  }
});

Deno.test("window: a forced manual run outside a pause window runs to its end and is marked forced", async () => {
  const gate = gatedExecutor();
  const r = await rig(gate.execute);
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      timeWindow: { windows: [{ start: "22:00", end: "23:00" }], timezone: "UTC", onEnd: "pause" },
    });
    await r.engine.start();
    await assert.rejects(r.service.trigger(s.id), (e: NightpullError) => {
      assert.equal(e.code, "outside_window");
      assert.equal(e.details?.nextOpen, iso(T0 + 22 * 3_600_000));
      return true;
    });
    assert.deepEqual(
      (await r.service.listRuns(s.id)).items,
      [],
      "a refused trigger writes nothing",
    );
    const run = await r.service.trigger(s.id, { force: true });
    assert.equal(run.forced, true);
    await settle(r.clock, () => gate.running(run.id));
    r.clock.set(T0 + 23 * 3_600_000 + MIN); // through an opening and a closing
    assert.ok(gate.running(run.id), "not paused: a forced run ignores the window");
    gate.release(run.id);
    await r.engine.idle();
    const stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "succeeded");
    assert.equal(stored.forced, true);
  } finally {
    await r.close();
  }
});

Deno.test("window: editing the window moves a waiting run; clearing it while running cancels the pause", async () => {
  const gate = gatedExecutor();
  const log = capture();
  const r = await rig(gate.execute, { engine: { logger: log.logger } });
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      timeWindow: { windows: [{ start: "00:00", end: "00:10" }], timezone: "UTC", onEnd: "pause" },
    });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await settle(r.clock, () => gate.running(run.id));
    r.clock.set(T0 + 10 * MIN);
    await r.engine.idle();
    assert.equal((await getRun(r.kv, run.id)).dueAt, iso(T0 + DAY));
    // a window opening at 01:00 today: the run now resumes then
    const moved = await r.service.windows.set(s.id, {
      windows: [{ start: "01:00", end: "02:00" }],
      timezone: "UTC",
      onEnd: "pause",
    });
    assert.equal(moved.nextOpen, iso(T0 + 60 * MIN));
    let stored: Run = await getRun(r.kv, run.id);
    assert.equal(stored.status, "waiting_window");
    assert.equal(stored.dueAt, iso(T0 + 60 * MIN));
    await r.engine.idle();
    r.clock.set(T0 + 60 * MIN);
    await settle(r.clock, () => gate.running(run.id));
    // the window goes away while the run runs: it is not paused at 02:00
    await r.service.windows.clear(s.id);
    const before = log.lines.length;
    r.clock.set(T0 + 121 * MIN);
    const check = await settle(
      r.clock,
      () => log.lines.slice(before).find((l) => l.includes("run.window_check")),
    );
    assert.match(check, /"window":"none"/);
    r.clock.set(T0 + 122 * MIN);
    assert.ok(gate.running(run.id));
    stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "running");
    gate.release(run.id);
    await r.engine.idle();
    assert.equal((await getRun(r.kv, run.id)).status, "succeeded");
  } finally {
    await r.close();
  }
});

/**
 * Polls `check`, firing the manual clock's timers that came due at its current time in between
 * (the engine may arm one while the test polls).
 */
function settle<T>(clock: ManualClock, check: () => Promise<T> | T): Promise<NonNullable<T>> {
  return waitFor(async () => {
    clock.advance(0);
    return await check();
  }, "the engine to settle") as Promise<NonNullable<T>>;
}

Deno.test("HF_HUB_OFFLINE: scheduled runs of hub sources are skipped/offline; URL sources still run", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const log = capture();
  const r = await rig(recordingExecutor(calls), {
    config: { offline: true },
    engine: { logger: log.logger },
  });
  try {
    const hub = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "cron", expression: "* * * * *" },
    });
    const url = await r.service.create({
      source: "https://example.org/f.bin",
      trigger: { type: "cron", expression: "* * * * *" },
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 2, MIN);
    const hubRuns = (await r.service.listRuns(hub.id)).items;
    assert.deepEqual(hubRuns.map((x) => [x.status, x.reason]), [
      ["skipped", "offline"],
      ["skipped", "offline"],
    ]);
    const urlRuns = (await r.service.listRuns(url.id)).items;
    assert.deepEqual(urlRuns.map((x) => x.status), ["succeeded", "succeeded"]);
    assert.equal(calls.length, 2, "only the URL schedule's runs executed");
    assert.ok(log.events("run.skipped").some((e) => e.reason === "offline"));
  } finally {
    await r.close();
  }
});
