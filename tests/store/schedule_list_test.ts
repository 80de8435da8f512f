import assert from "node:assert/strict";
import { ManualClock } from "../../src/time/manual_clock.ts";
import { ScheduleService } from "../../src/schedule/service/service.ts";
import { listSchedules } from "../../src/store/mod.ts";
import { T0, testConfig } from "../schedule/_harness.ts";

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(T0);
  const config = testConfig();
  const service = new ScheduleService({ kv, config, clock });
  return { kv, clock, config, service };
}

/** The real KV, with its `get`/`getMany` calls counted (every call still reaches the KV). */
function countingReads(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "get" || prop === "getMany") {
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, reads: () => reads };
}

Deno.test("listSchedules: a status page is read with a few getMany calls, not one read per schedule", async () => {
  const { kv, service } = await setup();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const s = await service.create({
        source: `hf:org/m${i}`,
        trigger: { type: "interval", every: "1h" },
      });
      ids.push(s.id);
      if (i % 2 === 0) await service.pause(s.id);
    }
    const paused = ids.filter((_, i) => i % 2 === 0);
    const counted = countingReads(kv);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listSchedules(counted.kv, { status: "paused", limit: 5, cursor });
      assert.ok(page.items.every((s) => s.status === "paused"));
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, paused, "every paused schedule once, in creation order");
    assert.ok(counted.reads() <= pages, `${counted.reads()} reads for ${pages} pages`);
  } finally {
    kv.close();
  }
});
