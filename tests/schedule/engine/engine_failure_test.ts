import assert from "node:assert/strict";
import { createLogger } from "../../../src/log.ts";
import { listRuns } from "../../../src/store/mod.ts";
import { scheduleKey } from "../../../src/store/keys.ts";
import type { Schedule } from "../../../src/store/records.ts";
import { recordingExecutor, rig, tick } from "../_harness.ts";

const EVERY_SECOND = { type: "cron" as const, expression: "* * * * * *" };

Deno.test("engine: a schedule that cannot be fired does not strand the others due with it; it is retried a sweep later", async () => {
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", write: (l) => lines.push(l) });
  const calls: { runId: string; attempt: number }[] = [];
  const r = await rig(recordingExecutor(calls), { engine: { logger } });
  try {
    const good = await r.service.create({ source: "hf:org/good", trigger: EVERY_SECOND });
    const bad = await r.service.create({ source: "hf:org/bad", trigger: EVERY_SECOND });
    // a record an older version (or another writer) left: its window's zone does not exist, so
    // planning its claim throws, in the same batch as the good schedule
    const stored = (await r.kv.get<Schedule>(scheduleKey(bad.id))).value!;
    await r.kv.set(scheduleKey(bad.id), {
      ...stored,
      timeWindow: { windows: [{ start: "00:00", end: "23:59" }], timezone: "Mars/Olympus" },
    });
    await r.engine.start();
    await tick({ clock: r.clock, engines: [r.engine] }, 8);
    const goodRuns = (await listRuns(r.kv, good.id, { limit: 100 })).items;
    assert.equal(goodRuns.length, 8, "the good schedule fired every second");
    assert.ok(goodRuns.every((run) => run.status === "succeeded"));
    const failures = lines.map((l) => JSON.parse(l)).filter((l) =>
      l.event === "schedule.fire_failed" && l.scheduleId === bad.id
    );
    assert.ok(failures.length >= 1, "the failure is logged with the schedule's id");
    assert.ok(failures.length <= 3, `retried a sweep later, not in a loop (${failures.length})`);
    // once the record is readable again, the schedule fires without any schedule write
    await r.kv.set(scheduleKey(bad.id), stored);
    await tick({ clock: r.clock, engines: [r.engine] }, 12);
    const badRuns = (await listRuns(r.kv, bad.id, { limit: 100 })).items;
    assert.ok(badRuns.length >= 1, "the repaired schedule fires again");
  } finally {
    await r.close();
  }
});
