import assert from "node:assert/strict";
import { join } from "node:path";
import { bigRepo, startFakeHub } from "../../fixtures/fake_hub.ts";
import { createApp } from "../../src/server.ts";
import { eventStream } from "../../src/api/run_events.ts";
import { readEvents, type ServerSentEvent } from "../../src/cli/sse_reader.ts";
import { startNightpull } from "../../src/cli/serve.ts";
import { resolveConfig } from "../../src/config.ts";
import type { PullEvent } from "../../src/download/pull/pull.ts";
import { Engine } from "../../src/schedule/engine/engine.ts";
import { ManualClock } from "../../src/time/manual_clock.ts";
import { RunEventHub } from "../../src/api/events/run_event_hub.ts";
import type { RunProgress } from "../../src/schedule/engine/run_progress.ts";
import { RunSubscription } from "../../src/api/events/run_subscription.ts";
import { ScheduleService } from "../../src/schedule/service/service.ts";
import { silentLogger } from "../../src/log.ts";
import type { Run } from "../../src/store/records.ts";

const MIB = 1024 * 1024;

async function collect(url: string): Promise<ServerSentEvent[]> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events: ServerSentEvent[] = [];
  for await (const e of readEvents(res.body!)) events.push(e);
  return events;
}

Deno.test("SSE: a running download streams ordered progress up to the file size, then state succeeded and end", async () => {
  const size = 12 * MIB + 7;
  const hub = await startFakeHub({ repos: [bigRepo(size)] });
  // a pause mid-file keeps the run going long enough for several progress events
  hub.addFault({ path: "big.bin", stallAfterBytes: 3 * MIB, stallMs: 700, times: 1 });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-sse-" });
  const config = resolveConfig({ data: dir, kv: ":memory:", timezone: "UTC", connections: "1" }, {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
  });
  const nightpull = await startNightpull(config, silentLogger);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, nightpull.app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}/api/v1`;
  try {
    const res = await fetch(`${base}/downloads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source: "hf:acme/big", layout: "local-dir", dir: join(dir, "out") }),
    });
    assert.equal(res.status, 202);
    const run: Run = await res.json();
    const events = await collect(`${base}/runs/${run.id}/events`);

    const names = events.map((e) => e.event);
    assert.deepEqual(names.slice(-2), ["state", "end"]);
    assert.equal(names[0], "state");
    const states = events.filter((e) => e.event === "state").map((e) => JSON.parse(e.data).status);
    assert.deepEqual(states.slice(-2), ["running", "succeeded"]);
    const end: Run = JSON.parse(events.at(-1)!.data);
    assert.equal(end.status, "succeeded");
    assert.equal(end.bytes, size);

    const progress: RunProgress[] = events.filter((e) => e.event === "progress").map((e) =>
      JSON.parse(e.data)
    );
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    const bytes = progress.map((p) => p.totals.bytes);
    assert.deepEqual(bytes, [...bytes].sort((a, b) => a - b), `bytes rise: ${bytes}`);
    assert.equal(bytes.at(-1), size);
    assert.equal(progress.at(-1)!.totals.total, size);
    const file = progress.flatMap((p) => p.files).filter((f) => f.path === "big.bin");
    assert.ok(file.some((f) => f.bytes > 0 && f.bytes < size), "a partial file was reported");
    assert.ok(file.every((f) => f.total === size));
    // at most 4 a second (the last one is flushed before the final state)
    const times = progress.map((p) => Date.parse(p.at));
    for (let i = 1; i < times.length - 1; i++) {
      assert.ok(times[i] - times[i - 1] >= 240, `progress ${times[i] - times[i - 1]} ms apart`);
    }
    // the last event of the stream is the last one: the body ended after `end`
    assert.equal(events.filter((e) => e.event === "end").length, 1);

    // a subscriber arriving after the end gets the state and end at once
    const late = await collect(`${base}/runs/${run.id}/events`);
    assert.deepEqual(late.map((e) => `${e.event}:${JSON.parse(e.data).status}`), [
      "state:succeeded",
      "end:succeeded",
    ]);
    const missing = await fetch(`${base}/runs/01JD7S3W5X9QK2M8V4N6R0T1YB/events`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");
  } finally {
    await server.shutdown();
    await nightpull.close();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SSE: a client that never reads holds a bounded queue; a reading client still gets everything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-sse-" });
  const config = resolveConfig({ data: dir, kv: ":memory:", timezone: "UTC" }, { HOME: dir });
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(Date.parse("2026-11-22T02:00:00Z"));
  let emit: (e: PullEvent) => void = () => {};
  const started = Promise.withResolvers<void>();
  const finish = Promise.withResolvers<void>();
  const engine = new Engine({
    kv,
    config,
    clock,
    execute: async ({ onEvent }) => {
      emit = (e) => onEvent?.(e);
      started.resolve();
      await finish.promise;
      return { commit: null, files: { total: 16, done: 16, skipped: 0 }, bytes: 16 * MIB };
    },
  });
  await engine.start();
  const service = new ScheduleService({ kv, config, clock, engine });
  // the hub's own clock: each step below is 250 ms later, so every change is published
  const hubClock = new ManualClock(clock.now());
  const hub = new RunEventHub({
    clock: hubClock,
    subscribe: (fn) => engine.subscribe(fn),
    loadRun: (id) => service.getRun(id),
  });
  const app = createApp({ service, kv, engine, config, runEvents: hub });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const port = server.addr.port;
  let stuck: Deno.TcpConn | undefined;
  try {
    const run = await service.startDownload({ source: "https://example.org/files.tar" });
    await started.promise;
    // long paths make each snapshot several KiB, so the socket buffers fill sooner
    const paths = Array.from({ length: 16 }, (_, i) => `shard-${i}/${"x".repeat(400)}.bin`);
    emit({
      type: "plan",
      commit: null,
      files: paths.map((path) => ({ path, size: MIB, skip: false })),
    });

    // a raw connection that sends the request and never reads a byte
    stuck = await Deno.connect({ hostname: "127.0.0.1", port });
    await stuck.write(
      new TextEncoder().encode(
        `GET /api/v1/runs/${run.id}/events HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`,
      ),
    );
    while (hub.stats().subscribers === 0) await new Promise((r) => setTimeout(r, 5));

    // drive progress, giving the server a turn after each step, until it stops taking events:
    // the socket is full and nothing is pulled from the queue any more
    let step = 0;
    let taken = -1;
    let still = 0;
    const deadline = Date.now() + 30_000;
    while (still < 200 && Date.now() < deadline) {
      step++;
      for (const path of paths) {
        emit({ type: "progress", path, bytes: (step * 97) % MIB, total: MIB });
      }
      hubClock.advance(250);
      await new Promise((r) => setTimeout(r, 0));
      const now = hub.stats().taken;
      if (now === taken) still++;
      else [taken, still] = [now, 0];
    }
    const stats = hub.stats();
    assert.equal(still, 200, `the server still took events after ${step} steps`);
    assert.ok(stats.taken > 100, `only ${stats.taken} events went out before the socket filled`);
    assert.ok(stats.dropped >= 150, `${stats.dropped} snapshots dropped`);
    assert.ok(stats.highWater <= 16 + 2, `the stuck reader's queue held ${stats.highWater}`);

    // meanwhile a reading client is served at once, and the download was never held up
    const reader = fetch(`http://127.0.0.1:${port}/api/v1/runs/${run.id}/events`);
    const readerEvents = (async () => {
      const events: ServerSentEvent[] = [];
      for await (const e of readEvents((await reader).body!)) events.push(e);
      return events;
    })();
    while (hub.stats().subscribers < 2) await new Promise((r) => setTimeout(r, 5));
    for (const path of paths) emit({ type: "file", path, status: "done", bytes: MIB });
    finish.resolve();
    const events = await readerEvents;
    const names = events.map((e) => e.event);
    assert.equal(names[0], "state");
    assert.deepEqual(names.slice(-2), ["state", "end"]);
    assert.ok(names.slice(1, -2).every((n) => n === "progress"), names.join(" "));
    const last: RunProgress = JSON.parse(events.at(-3)!.data);
    assert.equal(last.totals.bytes, 16 * MIB);
    assert.equal(last.totals.files.done, 16);
    assert.equal(JSON.parse(events.at(-1)!.data).status, "succeeded");
  } finally {
    stuck?.close();
    finish.resolve();
    await server.shutdown();
    hub.close();
    await engine.stop();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SSE: an idle stream sends keep-alive comments; cancelling it closes the subscription", async () => {
  let closed = 0;
  const sub = new RunSubscription("01RUN", 4, () => closed++);
  const reader = eventStream(sub, 20).getReader();
  const decoder = new TextDecoder();
  assert.equal(decoder.decode((await reader.read()).value), ": keep-alive\n\n");
  sub.pushState({ id: "01RUN", status: "running", attempt: 1 } as Run);
  assert.match(decoder.decode((await reader.read()).value), /^event: state\ndata: \{"id":"01RUN"/);
  await reader.cancel();
  assert.equal(closed, 1);
  assert.equal(await sub.next(), null);
});
