/**
 * Exactly once across replicas, through real processes: three `serve` processes on one KV
 * file run an every-second schedule for about 60 occurrences while two of them are, in turn,
 * SIGKILLed and restarted. Every occurrence has exactly one record: none duplicated, none lost
 * (one process at least is always up).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { sleepUntil, startReplicas } from "./_replicas.ts";
import { accountOccurrences, allRuns, api, assertEachOnce, until } from "./_occurrences.ts";

const SECOND = 1000;
const OCCURRENCES = 60;

Deno.test("three serve processes on one KV: each of 60 every-second occurrences recorded once through two SIGKILLs", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-replica-" });
  const replicas = await startReplicas(hub.url, dir);
  const { base, kvPath } = replicas;
  const kill = async (i: number) => assert.equal(await replicas.kill(i), "SIGKILL");
  try {
    // a URL source: HEAD + ETag check, so each run takes milliseconds
    const url = `${hub.url}/acme/tiny-model/resolve/main/config.json`;
    const schedule = await api<{ id: string }>(`${base()}/schedules`, "POST", {
      name: "replicated-tick",
      source: url,
      filename: "config.json",
      dir: join(dir, "out"),
      trigger: { type: "cron", expression: "* * * * * *" },
    });
    const createdAt = Date.now();
    // two processes die in turn, each restarted a few seconds later
    await sleepUntil(createdAt + 15 * SECOND);
    await kill(1);
    await sleepUntil(createdAt + 21 * SECOND);
    await replicas.restart(1);
    await sleepUntil(createdAt + 35 * SECOND);
    await kill(0);
    await sleepUntil(createdAt + 41 * SECOND);
    await replicas.restart(0);

    await until(
      () => allRuns(base(), schedule.id),
      (runs) => runs.length >= OCCURRENCES,
      40_000,
      `${OCCURRENCES} records`,
    );
    const pausedAt = Date.now();
    await api(`${base()}/schedules/${schedule.id}/pause`, "POST");
    const runs = await until(
      () => allRuns(base(), schedule.id),
      (all) => all.every((r) => r.status !== "running" && r.status !== "pending"),
      30_000,
      "every run final",
    );

    const acc = accountOccurrences(runs, SECOND);
    const planned = [...acc.counts.keys()].sort((a, b) => a - b);
    const [first, last] = [planned[0], planned[planned.length - 1]];
    assert.ok(planned.length >= OCCURRENCES, `${planned.length} occurrences`);
    assertEachOnce(acc, first, last, SECOND);
    assert.ok(first - createdAt <= 2 * SECOND, "the first occurrence is the first after creation");
    assert.ok(pausedAt - last <= 2 * SECOND, "occurrences recorded up to the pause");
    assert.deepEqual(acc.missedRecords, [], "no occurrence missed: a process was always up");
    for (const run of runs) {
      assert.ok(
        run.status === "succeeded" || (run.status === "skipped" && run.reason === "overlap"),
        JSON.stringify(run),
      );
    }

    assert.deepEqual(await replicas.stopAll(), [0, 0, 0]);
    // the KV itself: one claim per occurrence, taken by more than one process
    const kv = await Deno.openKv(kvPath);
    try {
      const owners = new Map<string, number>();
      let claims = 0;
      for await (
        const e of kv.list<{ owner: string; at: number }>({
          prefix: ["np", "claims", schedule.id],
        })
      ) {
        claims++;
        owners.set(e.value.owner, (owners.get(e.value.owner) ?? 0) + 1);
      }
      assert.equal(claims, runs.length, "one claim key per record");
      assert.ok(owners.size >= 2, `claims by ${owners.size} processes`);
      console.log(
        `replica: ${planned.length} occurrences, ${acc.ran} ran, ${acc.skipped} skipped ` +
          `(overlap), ${acc.catchups.length} catch-ups coalescing ${acc.coalesced}; claims per ` +
          `process ${[...owners.values()].join("/")}`,
      );
      let indexed = 0;
      for await (const _ of kv.list({ prefix: ["np", "runs_by_schedule", schedule.id] })) {
        indexed++;
      }
      assert.equal(indexed, runs.length);
    } finally {
      kv.close();
    }
  } finally {
    await replicas.stopAll();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
