/**
 * Restart persistence, through real processes: schedules created over the API survive a
 * SIGKILL of `serve`; after a restart on the same data dir every schedule is back unchanged,
 * next runs are right, the occurrences missed while down within `misfireGrace` run once as
 * one `catchup` run, older ones are one `skipped`/`missed` record with their count, and the run
 * the killed process was executing is recovered once its lease expired.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { startServe } from "../cli/_serve.ts";
import { accountOccurrences, allRuns, api, assertEachOnce, until } from "./_occurrences.ts";

const SECOND = 1000;
const GRACE_MS = 2 * SECOND;
/** Down long enough that the lease (2 s) expired and some occurrences fall beyond the grace. */
const DOWN_MS = 6 * SECOND;

type Detail = Record<string, unknown> & { id: string; nextRuns: string[]; status: string };

/** The stored fields of a schedule (what a restart must keep), without derived ones. */
function stored(detail: Detail): Record<string, unknown> {
  // nextRunAt is nextRuns[0]: derived from the clock, like nextRuns
  const { nextRuns: _n, nextRunAt: _r, stats: _s, window: _w, ...rest } = detail;
  return rest;
}

Deno.test("restart after SIGKILL: schedules back unchanged, catch-up once within grace, older occurrences recorded missed", async () => {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-restart-" });
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
    NIGHTPULL_TOKEN: "",
    NIGHTPULL_LEASE_MS: "2000",
  };
  const args = ["--data", dir, "--timezone", "UTC"];
  let serve = await startServe(args, env);
  let alive = true;
  try {
    let base = `${serve.url}/api/v1`;
    const tick = await api<Detail>(`${base}/schedules`, "POST", {
      name: "tick",
      source: "hf:acme/tiny-model@main",
      layout: "local-dir",
      dir: join(dir, "tick"),
      trigger: { type: "cron", expression: "* * * * * *" },
      misfireGrace: "2s",
      // the run the kill interrupts fails once its lease expired instead of retrying, so the
      // catch-up occurrence is not skipped as an overlap
      retry: { attempts: 1, backoff: "1s", factor: 2, maxBackoff: "1m" },
    });
    const nightly = await api<Detail>(`${base}/schedules`, "POST", {
      name: "nightly-berlin",
      source: "hf:acme/tiny-model@dev",
      include: ["*.json", "*.txt"],
      exclude: ["tokenizer/merges.txt"],
      trigger: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
      timeWindow: {
        windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue", "wed"] }],
        timezone: "Europe/Berlin",
        onEnd: "pause",
      },
      retry: { attempts: 5, backoff: "10s", factor: 3, maxBackoff: "10m" },
      misfireGrace: "30m",
      overlap: "queue",
      webhook: { url: "http://127.0.0.1:9/hook", secret: "restart-webhook-secret" },
    });
    const every6h = await api<Detail>(`${base}/schedules`, "POST", {
      name: "every-6h-paused",
      source: "hf:datasets/acme/tiny-data",
      trigger: { type: "interval", every: "6h", startAt: "2026-01-01T00:00:00Z" },
    });
    await api(`${base}/schedules/${every6h.id}/pause`, "POST");
    const onceAt = new Date(Math.ceil((Date.now() + 86_400_000) / 60_000) * 60_000).toISOString();
    const once = await api<Detail>(`${base}/schedules`, "POST", {
      name: "once-tomorrow",
      source: "hf:acme/tiny-model",
      trigger: { type: "once", at: onceAt },
    });
    const ids = [tick.id, nightly.id, every6h.id, once.id];

    await until(
      () => allRuns(base, tick.id),
      (runs) => runs.filter((r) => r.status === "succeeded").length >= 3,
      20_000,
      "three succeeded runs of the every-second schedule",
    );
    const before = new Map<string, Detail>();
    for (const id of ids) before.set(id, await api<Detail>(`${base}/schedules/${id}`));

    const killedAt = Date.now();
    serve.child.kill("SIGKILL");
    assert.equal((await serve.child.status).signal, "SIGKILL");
    alive = false;
    await serve.stop("SIGKILL").catch(() => {});
    // what is missed is decided by how long serve stays down
    const downUntil = killedAt + DOWN_MS;
    while (Date.now() < downUntil) {
      await new Promise((r) => setTimeout(r, Math.max(1, downUntil - Date.now())));
    }
    const restartedAt = Date.now();
    serve = await startServe(args, env);
    alive = true;
    base = `${serve.url}/api/v1`;

    // every schedule is back with the same id and fields
    const listed = await api<{ items: Detail[] }>(`${base}/schedules?limit=100`);
    assert.deepEqual(listed.items.map((s) => s.id).sort(), [...ids].sort());
    for (const id of ids) {
      const after = await api<Detail>(`${base}/schedules/${id}`);
      assert.deepEqual(stored(after), stored(before.get(id)!), `schedule ${id} unchanged`);
    }
    const nightlyAfter = await api<Detail>(`${base}/schedules/${nightly.id}`);
    assert.equal(nightlyAfter.nextRuns.length, 5);
    assert.equal((nightlyAfter.webhook as { secret: string }).secret, "***");
    let previous = Date.now();
    for (const next of nightlyAfter.nextRuns) {
      const at = Date.parse(next);
      assert.ok(at > previous, `${next} is after ${new Date(previous).toISOString()}`);
      const berlin = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }).format(at);
      assert.equal(berlin, "02:00:00", `${next} is 02:00 in Berlin`);
      previous = at;
    }
    assert.ok(Date.parse(nightlyAfter.nextRuns[0]) - Date.now() <= 25 * 3_600_000);
    const pausedAfter = await api<Detail>(`${base}/schedules/${every6h.id}`);
    assert.equal(pausedAfter.status, "paused");
    assert.deepEqual(pausedAfter.nextRuns, []);
    assert.deepEqual((await api<Detail>(`${base}/schedules/${once.id}`)).nextRuns, [onceAt]);

    // the every-second schedule carries on: catch-up first, then on-time runs again
    const settled = await until(
      () => allRuns(base, tick.id),
      (runs) =>
        runs.filter((r) =>
            r.trigger === "schedule" && r.status === "succeeded" &&
            Date.parse(r.plannedAt) > restartedAt
          ).length >= 3 && runs.every((r) => r.status !== "running" && r.status !== "pending"),
      30_000,
      "three on-time runs after the restart",
    );
    await api(`${base}/schedules/${tick.id}/pause`, "POST");
    const runs = await until(
      () => allRuns(base, tick.id),
      (all) => all.every((r) => r.status !== "running" && r.status !== "pending"),
      20_000,
      "the last run to finish",
    );
    assert.ok(runs.length >= settled.length);

    const acc = accountOccurrences(runs, SECOND);
    const planned = [...acc.counts.keys()].sort((a, b) => a - b);
    assertEachOnce(acc, planned[0], planned[planned.length - 1], SECOND);

    assert.equal(acc.missedRecords.length, 1, "one missed record for the outage");
    const missed = acc.missedRecords[0];
    assert.equal(missed.status, "skipped");
    assert.equal(missed.reason, "missed");
    const lastBefore = Math.max(
      ...runs.map((r) => Date.parse(r.plannedAt)).filter((t) =>
        t < Date.parse(missed.missed!.first)
      ),
    );
    assert.ok(lastBefore <= killedAt, "the occurrence before the gap was claimed before the kill");
    assert.equal(Date.parse(missed.missed!.first), lastBefore + SECOND, "missed from the next one");
    assert.ok(missed.missed!.count >= (DOWN_MS - GRACE_MS) / SECOND - 1, `${missed.missed!.count}`);

    assert.equal(acc.catchups.length, 1, "one catch-up run for the outage");
    const catchup = acc.catchups[0];
    assert.equal(catchup.status, "succeeded", JSON.stringify(catchup));
    const catchupAt = Date.parse(catchup.plannedAt);
    assert.ok(catchupAt > Date.parse(missed.missed!.last));
    assert.ok(catchupAt - Date.parse(missed.missed!.last) <= GRACE_MS + SECOND, "within grace");
    assert.ok(catchupAt >= restartedAt - GRACE_MS - SECOND && catchupAt <= Date.now());
    const catchupLag = Date.parse(catchup.startedAt!) - catchupAt;
    assert.ok(catchupLag >= 0 && catchupLag <= GRACE_MS + SECOND, `catch-up lag ${catchupLag}`);

    // a run the kill interrupted (if one was running) ended once, as interrupted
    const interrupted = runs.filter((r: Run) => r.error?.code === "interrupted");
    assert.ok(interrupted.length <= 1);
    for (const r of interrupted) assert.equal(r.status, "failed");
    for (const r of runs) {
      if (r.status === "failed") assert.equal(r.error?.code, "interrupted", JSON.stringify(r));
    }
    // after the catch-up, each occurrence ran on time as a scheduled run
    const afterCatchup = runs.filter((r) => Date.parse(r.plannedAt) > catchupAt);
    assert.ok(afterCatchup.length >= 3);
    for (const r of afterCatchup) assert.equal(r.trigger, "schedule", JSON.stringify(r));
  } finally {
    if (alive) assert.equal(await serve.stop("SIGTERM"), 0, serve.log());
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
