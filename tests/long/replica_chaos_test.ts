/**
 * Replica chaos: three `serve` processes on one KV file run five every-second schedules for
 * at least 300 occurrences while, every few seconds, a random one of them is SIGKILLed and
 * restarted. Every occurrence has exactly one record (a run, an overlap skip, or its place in
 * a `missed` record); zero duplicates; no catch-up had to coalesce occurrences away; one claim
 * key per record in the KV.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { sleepUntil, startReplicas } from "../e2e/_replicas.ts";
import { accountOccurrences, allRuns, api, assertEachOnce, until } from "../e2e/_occurrences.ts";
import { chaos } from "./_chaos.ts";

const SECOND = 1000;
const SCHEDULES = 5;
const OCCURRENCES = Number(Deno.env.get("CHAOS_OCCURRENCES") ?? 300);
const FILES = [
  "config.json",
  "README.md",
  "tokenizer/vocab.json",
  "tokenizer/tokenizer_config.json",
  ".gitattributes",
];

Deno.test(`replica chaos: ${OCCURRENCES} every-second occurrences on 3 processes, random SIGKILLs, each recorded once`, async () => {
  const rnd = chaos("replica chaos");
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-replica-chaos-" });
  const replicas = await startReplicas(hub.url, dir);
  const { base, kvPath } = replicas;
  const kills: string[] = [];
  try {
    const ids: string[] = [];
    for (let s = 0; s < SCHEDULES; s++) {
      const created = await api<{ id: string }>(`${base()}/schedules`, "POST", {
        name: `chaos-${s}`,
        source: `${hub.url}/acme/tiny-model/resolve/main/${FILES[s]}`,
        filename: FILES[s].replaceAll("/", "_"),
        dir: join(dir, `out-${s}`),
        trigger: { type: "cron", expression: "* * * * * *" },
      });
      ids.push(created.id);
    }
    const createdAt = Date.now();
    const endAt = createdAt + Math.ceil(OCCURRENCES / SCHEDULES) * SECOND + 2 * SECOND;
    // a random process dies every few seconds and comes back after a moment
    for (let t = createdAt + rnd.int(2, 5) * SECOND; t < endAt - 4 * SECOND;) {
      await sleepUntil(t);
      const victim = rnd.int(0, 2);
      await replicas.kill(victim);
      const downMs = rnd.int(300, 2500);
      kills.push(`+${((Date.now() - createdAt) / 1000).toFixed(1)}s #${victim} ${downMs}ms`);
      await sleepUntil(Date.now() + downMs);
      await replicas.restart(victim);
      t = Date.now() + rnd.int(2, 5) * SECOND;
    }
    await sleepUntil(endAt);
    for (const id of ids) await api(`${base()}/schedules/${id}/pause`, "POST");

    let total = 0;
    const summary: string[] = [];
    for (const id of ids) {
      const runs = await until(
        () => allRuns(base(), id),
        (all) => all.every((r) => r.status !== "running" && r.status !== "pending"),
        30_000,
        `every run of ${id} final`,
      );
      const acc = accountOccurrences(runs, SECOND);
      const planned = [...acc.counts.keys()].sort((a, b) => a - b);
      assertEachOnce(acc, planned[0], planned[planned.length - 1], SECOND);
      assert.ok(planned[0] - createdAt <= 2 * SECOND, `${id} fired from its creation`);
      assert.equal(acc.coalesced, 0, `${id}: no occurrence coalesced away without a record`);
      for (const run of runs) {
        assert.ok(
          run.status === "succeeded" || run.status === "skipped",
          `${id}: ${JSON.stringify(run)}`,
        );
      }
      total += planned.length;
      summary.push(
        `${planned.length} (${acc.ran} ran, ${acc.skipped} overlap, ${acc.missed} missed)`,
      );
    }
    assert.ok(total >= OCCURRENCES, `${total} occurrences`);

    const claimsBy = new Map<string, number>();
    assert.deepEqual(await replicas.stopAll(), [0, 0, 0]);
    const kv = await Deno.openKv(kvPath);
    try {
      for (const id of ids) {
        let claims = 0;
        let records = 0;
        for await (const e of kv.list<{ owner: string }>({ prefix: ["np", "claims", id] })) {
          claims++;
          claimsBy.set(e.value.owner, (claimsBy.get(e.value.owner) ?? 0) + 1);
        }
        for await (const _ of kv.list({ prefix: ["np", "runs_by_schedule", id] })) records++;
        assert.equal(claims, records, `${id}: one claim per record`);
      }
    } finally {
      kv.close();
    }
    console.log(
      `replica chaos: ${total} occurrences: ${summary.join(", ")}\n  ${kills.length} kills: ` +
        `${kills.join(", ")}\n  claims by ${claimsBy.size} process lives`,
    );
  } finally {
    await replicas.stopAll();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
