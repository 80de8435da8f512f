import assert from "node:assert/strict";
import { getNextTimes, listSchedules } from "../../src/store/mod.ts";
import { scheduleStateKey } from "../../src/store/keys.ts";
import { countingReads } from "./_counting_kv.ts";
import { serviceOnly } from "../schedule/_harness.ts";

const setup = serviceOnly;

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

Deno.test("listSchedules: a status page with a label filter reads on over several batches, in creation order", async () => {
  const { kv, service } = await setup();
  try {
    const tagged: string[] = [];
    for (let i = 0; i < 30; i++) {
      const s = await service.create({
        source: `hf:org/m${i}`,
        trigger: { type: "interval", every: "1h" },
        ...(i % 3 === 0 ? { labels: { team: "nlp" } } : {}),
      });
      if (i % 3 === 0) tagged.push(s.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      // 4 a page: each page reads batches of 6 index entries until 4 of them carry the label
      const page = await listSchedules(kv, {
        status: "active",
        labels: [["team", "nlp"]],
        limit: 4,
        cursor,
      });
      assert.ok(page.items.length <= 4);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, tagged);
    const all = await listSchedules(kv, { status: "active", limit: 100 });
    assert.equal(all.items.length, 30);
    assert.equal(all.nextCursor, null);
  } finally {
    kv.close();
  }
});

Deno.test("getNextTimes: a page's states as one range, filled by key where the range was cut; no state is null", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ids = Array.from({ length: 60 }, (_, i) => `01KB${String(i).padStart(22, "0")}`);
    const expected = new Map<string, number | null>();
    for (const [i, id] of ids.entries()) {
      if (i === 7) {
        expected.set(id, null); // no state at all
        continue;
      }
      const nextAt = i === 9 ? null : 1_000 * i;
      expected.set(id, nextAt);
      await kv.set(scheduleStateKey(id), {
        cursor: 0,
        nextAt,
        activeRunId: null,
        queuedRunId: null,
      });
    }
    const want = (page: string[]) => new Map(page.map((id) => [id, expected.get(id)!]));
    // a page in a row: the range holds it all, no read by key
    const counted = countingReads(kv);
    const row = ids.slice(0, 30);
    assert.deepEqual(await getNextTimes(counted.kv, row), want(row));
    assert.equal(counted.reads(), 0, "one range, no getMany");
    // a sparse page (a label filter): the range of 2x the page ends early, the rest by key
    const sparse = ids.filter((_, i) => i % 5 === 0 || i === 7);
    assert.deepEqual(await getNextTimes(kv, sparse), want(sparse));
    // not in id order, and a single id: by key
    const shuffled = [ids[40], ...ids.slice(0, 12)];
    assert.deepEqual(await getNextTimes(kv, shuffled), want(shuffled));
    assert.deepEqual(await getNextTimes(kv, [ids[9]]), want([ids[9]]));
  } finally {
    kv.close();
  }
});
