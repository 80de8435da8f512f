import assert from "node:assert/strict";
import type { Run } from "../../src/store/records.ts";
import { deferred, rig, waitFor } from "../schedule/_harness.ts";

// A hard delete racing a manual trigger (and the run it starts) removes everything of the
// schedule: no run record, index entry, lease or active entry survives to be "recovered" later.

/** Every KV entry that still belongs to schedule `id` (claims excepted: they expire). */
async function leftovers(kv: Deno.Kv, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: ["np"] })) {
    if (e.key[1] === "claims") continue;
    const owner = (e.value as Partial<Run> | null)?.scheduleId;
    if (e.key.includes(id) || owner === id) out.push(JSON.stringify(e.key));
  }
  for await (const e of kv.list<unknown>({ prefix: ["np", "runs_active"] })) {
    const run = await kv.get<Run>(["np", "runs", e.key[2] as string]);
    if (!run.value || run.value.scheduleId === id) out.push(JSON.stringify(e.key));
  }
  return out;
}

Deno.test("hard delete racing trigger: the run goes with its schedule, 30 races", async () => {
  const aborted = new Set<string>();
  const started: string[] = [];
  const release = deferred();
  // The executor holds each run until the test ends, or until the run is aborted.
  const r = await rig(async ({ run, signal }) => {
    started.push(run.id);
    await Promise.race([
      release.promise,
      new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true })),
    ]);
    if (signal.aborted) aborted.add(run.id);
    throw new Error("stopped");
  });
  try {
    await r.engine.start();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const s = await r.service.create({
        source: `hf:org/m${i}`,
        trigger: { type: "cron", expression: "0 2 * * *" },
      });
      ids.push(s.id);
      // Stagger the delete by a few turns of the event loop: some land before the trigger
      // writes its run, some between its write and the start, some while it runs.
      const trigger = r.service.trigger(s.id);
      for (let n = 0; n < (i % 6) * 3; n++) await new Promise((resolve) => setTimeout(resolve, 0));
      const results = await Promise.allSettled([trigger, r.service.delete(s.id, { hard: true })]);
      assert.equal(results[1].status, "fulfilled", `race ${i}: the delete succeeds`);
      await waitFor(
        async () => (await leftovers(r.kv, s.id)).length === 0,
        `race ${i}: nothing of ${s.id} left (${await leftovers(r.kv, s.id)})`,
      );
    }
    // Runs that started here were cancelled with their schedule, and nothing comes back: the
    // lease sweep finds no orphan to retry, however long the clock runs.
    await waitFor(() => started.every((id) => aborted.has(id)), "every started run aborted");
    for (let step = 0; step < 20; step++) {
      r.clock.advance(60_000);
      await r.engine.idle();
    }
    for (const id of ids) assert.deepEqual(await leftovers(r.kv, id), [], id);
    assert.ok(started.length > 0, "some races let the run start before the delete");
  } finally {
    release.resolve();
    await r.close();
  }
});
