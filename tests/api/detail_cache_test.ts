import assert from "node:assert/strict";
import { DetailCache } from "../../src/api/detail_cache.ts";
import { NightpullError } from "../../src/errors.ts";
import type { ScheduleDetail } from "../../src/schedule/service/service.ts";

const T0 = Date.parse("2026-11-22T12:00:00.000Z");

function detail(id: string, version: number, nextRun = "2026-11-23T02:00:00.000Z"): ScheduleDetail {
  return { id, name: `v${version}`, nextRuns: [nextRun] } as unknown as ScheduleDetail;
}

function setup(options: { nextRun?: string } = {}) {
  let now = T0;
  let version = 0;
  const loads: string[] = [];
  let gate: Promise<void> | null = null;
  const cache = new DetailCache(async (id) => {
    loads.push(id);
    const v = ++version;
    if (gate) await gate;
    if (id === "missing") throw new NightpullError("not_found", "no such schedule");
    return detail(id, v, options.nextRun);
  }, { ttlMs: 250, maxEntries: 2, now: () => now });
  const name = async (id: string) => JSON.parse(new TextDecoder().decode(await cache.get(id))).name;
  return {
    cache,
    loads,
    name,
    advance: (ms: number) => now += ms,
    hold: () => {
      const { promise, resolve } = Promise.withResolvers<void>();
      gate = promise;
      return () => {
        gate = null;
        resolve();
      };
    },
  };
}

Deno.test("a detail is served from the cache for the TTL, then loaded again", async () => {
  const t = setup();
  assert.equal(await t.name("a"), "v1");
  t.advance(249);
  assert.equal(await t.name("a"), "v1");
  t.advance(1);
  assert.equal(await t.name("a"), "v2");
  assert.deepEqual(t.loads, ["a", "a"]);
});

Deno.test("an entry never outlives the schedule's next run", async () => {
  const t = setup({ nextRun: new Date(T0 + 100).toISOString() });
  assert.equal(await t.name("a"), "v1");
  t.advance(99);
  assert.equal(await t.name("a"), "v1");
  t.advance(1);
  assert.equal(await t.name("a"), "v2");
});

Deno.test("invalidate drops one entry or all of them", async () => {
  const t = setup();
  await t.name("a");
  await t.name("b");
  t.cache.invalidate("a");
  assert.equal(await t.name("a"), "v3");
  assert.equal(await t.name("b"), "v2");
  t.cache.invalidate();
  assert.equal(t.cache.size, 0);
  assert.equal(await t.name("b"), "v4");
});

Deno.test("a load that raced a write is neither stored nor shared", async () => {
  const t = setup();
  const release = t.hold();
  const before = t.name("a");
  t.cache.invalidate("a");
  const after = t.name("a");
  release();
  assert.equal(await before, "v1");
  assert.equal(await after, "v2", "a request after the write waits for a fresh load");
  assert.equal(await t.name("a"), "v2", "only the fresh load was stored");
  assert.deepEqual(t.loads, ["a", "a"]);
});

Deno.test("concurrent misses share one load; errors are not cached", async () => {
  const t = setup();
  const release = t.hold();
  const all = Promise.all([t.name("a"), t.name("a"), t.name("a")]);
  release();
  assert.deepEqual(await all, ["v1", "v1", "v1"]);
  assert.deepEqual(t.loads, ["a"]);
  await assert.rejects(t.cache.get("missing"), /no such schedule/);
  await assert.rejects(t.cache.get("missing"), /no such schedule/);
  assert.equal(t.loads.filter((id) => id === "missing").length, 2);
});

Deno.test("the cache keeps at most maxEntries, dropping the oldest", async () => {
  const t = setup();
  await t.name("a");
  await t.name("b");
  await t.name("c");
  assert.equal(t.cache.size, 2);
  assert.equal(await t.name("a"), "v4", "a was dropped");
});
