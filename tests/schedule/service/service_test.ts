import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import { maskSchedule, type ScheduleInput } from "../../../src/schedule/service/service.ts";
import { getRun } from "../../../src/store/mod.ts";
import { dumpKv, recordingExecutor, rig, T0, tick } from "../_harness.ts";

const DAILY = { type: "cron" as const, expression: "0 2 * * *" };
const rejectsWith = async (p: Promise<unknown>, code: string, field?: string) => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NightpullError, String(e));
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.details?.field, field, e.message);
    return true;
  });
};

Deno.test("service: create fills defaults and lists, masks secrets on request", async () => {
  const r = await rig(recordingExecutor());
  try {
    const s = await r.service.create({
      source: "hf:openai-community/gpt2@main",
      trigger: DAILY,
      webhook: { url: "http://127.0.0.1:9/hook", secret: "s3cret" },
    });
    assert.equal(s.name, "gpt2");
    assert.deepEqual(s.include, ["*"]);
    assert.deepEqual(s.exclude, []);
    assert.equal(s.layout, "hf-cache");
    assert.deepEqual(s.retry, { attempts: 4, backoff: "30s", factor: 2, maxBackoff: "30m" });
    assert.equal(s.misfireGrace, "10m");
    assert.equal(s.overlap, "skip");
    assert.deepEqual(s.trigger, { ...DAILY, timezone: "UTC" });
    assert.equal(s.status, "active");
    assert.equal(s.id.length, 26);
    assert.equal(maskSchedule(s).webhook?.secret, "***");
    assert.equal(s.webhook?.secret, "s3cret");
    const url = await r.service.create({
      source: "https://example.org/files/model.bin",
      trigger: DAILY,
    });
    assert.equal(url.name, "model.bin");
    const page = await r.service.list({ limit: 1 });
    assert.deepEqual(page.items.map((x) => x.id), [s.id]);
    const rest = await r.service.list({ limit: 1, cursor: page.nextCursor! });
    assert.deepEqual(rest.items.map((x) => x.id), [url.id]);
    assert.equal(rest.nextCursor, null);
    const detail = await r.service.get(s.id);
    assert.deepEqual(
      detail.nextRuns,
      [1, 2, 3, 4, 5].map((d) => new Date(T0 + (d - 1) * 86_400_000 + 2 * 3_600_000).toISOString()),
    );
    assert.deepEqual(detail.stats, {
      runs: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      successRate: null,
      meanDurationMs: null,
    });
    await rejectsWith(r.service.get("01ARZ3NDEKTSV4RRFFQ69G5FAV"), "not_found");
  } finally {
    await r.close();
  }
});

const INVALID: [string, unknown, string, string][] = [
  [
    "bad cron",
    { source: "hf:org/m", trigger: { type: "cron", expression: "0 25 * * *" } },
    "invalid_cron",
    "trigger.expression",
  ],
  [
    "bad zone",
    { source: "hf:org/m", trigger: { ...DAILY, timezone: "Nowhere/City" } },
    "invalid_timezone",
    "trigger.timezone",
  ],
  [
    "short interval",
    { source: "hf:org/m", trigger: { type: "interval", every: "30s" } },
    "invalid_interval",
    "trigger.every",
  ],
  [
    "once in the past",
    { source: "hf:org/m", trigger: { type: "once", at: "2020-01-01T00:00:00Z" } },
    "invalid_input",
    "trigger.at",
  ],
  ["unknown scheme", { source: "ftp://host/file", trigger: DAILY }, "invalid_source", "source"],
  [
    "webhook not http",
    { source: "hf:org/m", trigger: DAILY, webhook: { url: "file:///etc/passwd" } },
    "invalid_input",
    "webhook.url",
  ],
  [
    "webhook CRLF",
    { source: "hf:org/m", trigger: DAILY, webhook: { url: "http://h/\r\nX: y" } },
    "invalid_input",
    "webhook.url",
  ],
  [
    "local-dir for a URL",
    { source: "https://h/f", trigger: DAILY, layout: "local-dir" },
    "invalid_input",
    "layout",
  ],
  [
    "local-dir without dir",
    { source: "hf:org/m", trigger: DAILY, layout: "local-dir" },
    "invalid_input",
    "dir",
  ],
  [
    "bad retry",
    { source: "hf:org/m", trigger: DAILY, retry: { attempts: 0 } },
    "invalid_input",
    "retry.attempts",
  ],
  [
    "bad backoff",
    { source: "hf:org/m", trigger: DAILY, retry: { backoff: "soon" } },
    "invalid_input",
    "retry.backoff",
  ],
  [
    "bad grace",
    { source: "hf:org/m", trigger: DAILY, misfireGrace: "x" },
    "invalid_input",
    "misfireGrace",
  ],
  [
    "bad overlap",
    { source: "hf:org/m", trigger: DAILY, overlap: "parallel" },
    "invalid_input",
    "overlap",
  ],
  [
    "unknown field",
    { source: "hf:org/m", trigger: DAILY, colour: "blue" },
    "unknown_field",
    "colour",
  ],
  ["missing trigger", { source: "hf:org/m" }, "invalid_input", "trigger"],
  [
    "bad window",
    { source: "hf:org/m", trigger: DAILY, timeWindow: { windows: ["22:00-22:00"] } },
    "invalid_window",
    "timeWindow.windows[0]",
  ],
  ["sha256 on hf", { source: "hf:org/m", trigger: DAILY, sha256: "ab" }, "invalid_input", "sha256"],
];

Deno.test("service: bad input is refused naming the field and writes nothing", async () => {
  const r = await rig(recordingExecutor());
  try {
    const existing = await r.service.create({ source: "hf:org/m", trigger: DAILY });
    const before = await dumpKv(r.kv);
    for (const [what, input, code, field] of INVALID) {
      await rejectsWith(r.service.create(input as ScheduleInput), code, field).catch((e) => {
        throw new Error(`${what}: ${e.message}`);
      });
      await rejectsWith(r.service.replace(existing.id, input as ScheduleInput), code, field);
    }
    await rejectsWith(
      r.service.patch(existing.id, { trigger: { type: "cron", expression: "61 * * * *" } }),
      "invalid_cron",
      "trigger.expression",
    );
    await rejectsWith(r.service.startDownload({ source: "nope" }), "invalid_source", "source");
    await rejectsWith(r.service.list({ cursor: "%%%" }), "invalid_cursor");
    assert.deepEqual(await dumpKv(r.kv), before);
  } finally {
    await r.close();
  }
});

Deno.test("service: pause, resume, trigger while paused, conflicts", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "cron", expression: "* * * * *" },
    });
    await r.engine.start();
    assert.equal((await r.service.pause(s.id)).status, "paused");
    assert.deepEqual((await r.service.get(s.id)).nextRuns, []);
    await tick({ clock: r.clock, engines: [r.engine] }, 3, 60_000);
    assert.equal(calls.length, 0, "nothing runs while paused");
    const manual = await r.service.trigger(s.id);
    assert.equal(manual.trigger, "manual");
    await r.engine.idle();
    assert.equal((await getRun(r.kv, manual.id)).status, "succeeded");
    r.clock.advance(30_000); // 03:30 into the hour
    const resumed = await r.service.resume(s.id);
    assert.equal(resumed.status, "active");
    assert.equal((await r.service.get(s.id)).nextRuns[0], new Date(T0 + 4 * 60_000).toISOString());
    await tick({ clock: r.clock, engines: [r.engine] }, 1, 30_000);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.deepEqual(
      runs.map((x) => x.trigger),
      ["schedule", "manual"],
      "missed ones while paused are not run",
    );
    await r.service.delete(s.id);
    assert.equal((await r.service.get(s.id)).status, "deleted");
    assert.equal((await r.service.listRuns(s.id)).items.length, 2, "soft delete keeps history");
    await rejectsWith(r.service.resume(s.id), "conflict");
    await rejectsWith(r.service.pause(s.id), "conflict");
    await rejectsWith(r.service.trigger(s.id), "conflict");
    assert.deepEqual((await r.service.list()).items, []);
    assert.deepEqual((await r.service.list({ status: "deleted" })).items.map((x) => x.id), [s.id]);
    await r.service.delete(s.id, { hard: true });
    await rejectsWith(r.service.get(s.id), "not_found");
    await rejectsWith(r.service.listRuns(s.id), "not_found");
    await rejectsWith(r.service.getRun(runs[0].id), "not_found");
    const left = (await dumpKv(r.kv)).filter((line) =>
      line.includes(s.id) && !line.includes("claims")
    );
    assert.deepEqual(left, [], "hard delete removes schedule, runs and stats");
  } finally {
    await r.close();
  }
});

Deno.test("service: a once schedule completes after it ran and cannot be resumed", async () => {
  const r = await rig(recordingExecutor());
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "once", at: new Date(T0 + 5000).toISOString() },
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 5);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, "succeeded");
    assert.equal((await r.service.get(s.id)).status, "completed");
    await rejectsWith(r.service.resume(s.id), "conflict");
    await rejectsWith(r.service.pause(s.id), "conflict");
    // a new trigger makes it active again
    const again = await r.service.patch(s.id, {
      trigger: { type: "once", at: new Date(T0 + 60_000).toISOString() },
    });
    assert.equal(again.status, "active");
  } finally {
    await r.close();
  }
});

Deno.test("service: PATCH merges, keeps a masked secret, reschedules on a new trigger", async () => {
  const r = await rig(recordingExecutor());
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: DAILY,
      webhook: { url: "http://127.0.0.1:9/hook", secret: "keep-me" },
    });
    const renamed = await r.service.patch(s.id, {
      name: "nightly",
      webhook: { url: "http://127.0.0.1:9/hook2", secret: "***" },
    });
    assert.equal(renamed.name, "nightly");
    assert.equal(renamed.webhook?.secret, "keep-me");
    assert.equal(renamed.webhook?.url, "http://127.0.0.1:9/hook2");
    assert.deepEqual(renamed.trigger, s.trigger);
    const hourly = await r.service.patch(s.id, {
      trigger: { type: "cron", expression: "@hourly" },
    });
    assert.equal(
      (await r.service.get(hourly.id)).nextRuns[0],
      new Date(T0 + 3_600_000).toISOString(),
    );
    const noHook = await r.service.patch(
      s.id,
      { webhook: null } as unknown as Partial<ScheduleInput>,
    );
    assert.equal(noHook.webhook, undefined);
  } finally {
    await r.close();
  }
});

Deno.test("service: trigger outside the time window is refused unless forced; occurrences are skipped", async () => {
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls));
  try {
    // T0 is 00:00 UTC; the window opens at 22:00
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: { type: "cron", expression: "* * * * *" },
      timeWindow: { windows: [{ start: "22:00", end: "23:00" }], timezone: "UTC" },
    });
    await r.engine.start();
    await rejectsWith(r.service.trigger(s.id), "outside_window");
    await tick({ clock: r.clock, engines: [r.engine] }, 1, 60_000);
    const runs = (await r.service.listRuns(s.id)).items;
    assert.deepEqual(runs.map((x) => [x.status, x.reason]), [["skipped", "outside_window"]]);
    const forced = await r.service.trigger(s.id, { force: true });
    await r.engine.idle();
    assert.equal((await getRun(r.kv, forced.id)).status, "succeeded");
    const detail = await r.service.get(s.id);
    assert.equal(detail.window?.open, false);
    assert.equal(detail.window?.nextOpen, new Date(T0 + 22 * 3_600_000).toISOString());
  } finally {
    await r.close();
  }
});
