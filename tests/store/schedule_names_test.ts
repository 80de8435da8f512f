import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { createSchedule, getSchedule } from "../../src/store/mod.ts";
import { scheduleNameKey } from "../../src/store/keys.ts";
import type { Schedule } from "../../src/store/records.ts";
import type { ScheduleState } from "../../src/store/schedules.ts";
import { countingReads } from "./_counting_kv.ts";

const state: ScheduleState = { cursor: 0, nextAt: null, activeRunId: null, queuedRunId: null };

function schedule(id: string, name: string): Schedule {
  return {
    id,
    name,
    source: "hf:org/model",
    trigger: { type: "interval", every: "1h" },
    retry: { attempts: 3, backoff: "1m", factor: 2, maxBackoff: "1h" },
    misfireGrace: "10m",
    overlap: "skip",
    priority: 5,
    status: "active",
    createdAt: "2026-12-02T00:00:00.000Z",
    updatedAt: "2026-12-02T00:00:00.000Z",
  } as Schedule;
}

Deno.test("createSchedule: a new name is claimed without a read; an entry no live schedule holds is taken; a held one is a 409", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const counted = countingReads(kv);
    // the first write fills the index of an old database (one read, once per KV)
    await createSchedule(counted.kv, schedule("01KB0000000000000000000001", "first"), state);
    const before = counted.reads();
    await createSchedule(counted.kv, schedule("01KB0000000000000000000002", "second"), state);
    assert.equal(counted.reads(), before, "no read before the commit of a name never used");
    assert.equal((await kv.get(scheduleNameKey("second"))).value, "01KB0000000000000000000002");

    // an entry left behind (its schedule gone): the failed commit reads it, then takes the name
    await kv.set(scheduleNameKey("stale"), "01KB0000000000000000000099");
    await createSchedule(kv, schedule("01KB0000000000000000000003", "stale"), state);
    assert.equal((await kv.get(scheduleNameKey("stale"))).value, "01KB0000000000000000000003");
    assert.equal((await getSchedule(kv, "01KB0000000000000000000003")).name, "stale");

    // a live schedule's name: 409 naming the field, nothing of the new schedule written
    await assert.rejects(
      createSchedule(kv, schedule("01KB0000000000000000000004", "first"), state),
      (err) =>
        err instanceof NightpullError && err.code === "conflict" && err.details?.field === "name",
    );
    assert.equal((await kv.get(scheduleNameKey("first"))).value, "01KB0000000000000000000001");
    await assert.rejects(getSchedule(kv, "01KB0000000000000000000004"), NightpullError);
  } finally {
    kv.close();
  }
});
