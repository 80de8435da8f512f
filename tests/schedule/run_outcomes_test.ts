import assert from "node:assert/strict";
import { NightpullError } from "../../src/errors.ts";
import { systemClock } from "../../src/schedule/clock.ts";
import { ManualClock } from "../../src/schedule/manual_clock.ts";
import { getRun, listRuns } from "../../src/store/mod.ts";
import { rig, T0, waitFor } from "./_harness.ts";

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" };

for (
  const [code, message] of [
    ["gated_repo", "acme/llama is gated: accept its terms on the hub first"],
    ["auth_required", "acme/private needs a token (HF_TOKEN)"],
    ["invalid_token", "the hub refused the token"],
    ["forbidden", "the hub refused access to acme/x (HTTP 403)"],
  ] as const
) {
  Deno.test(`retry: ${code} is final after the first attempt, not retried as if transient`, async () => {
    let attempts = 0;
    const r = await rig(() => {
      attempts++;
      return Promise.reject(new NightpullError(code, message));
    }, { clock: new ManualClock(T0) });
    try {
      await r.engine.start();
      const s = await r.service.create({
        source: "hf:acme/x",
        trigger: MANUAL,
        retry: { attempts: 5, backoff: "1s" },
      });
      const run = await r.service.trigger(s.id);
      await waitFor(async () => (await getRun(r.kv, run.id)).status === "failed", "the failure");
      await r.engine.idle();
      const stored = await getRun(r.kv, run.id);
      assert.equal(stored.attempt, 1);
      assert.equal(stored.error?.code, code);
      assert.equal(attempts, 1);
    } finally {
      await r.close();
    }
  });
}

Deno.test("startedAt records when a run really started (the firing lag is not always 0)", async () => {
  // the real clock: a timer wakes a little after the planned time, and the claim takes time
  const r = await rig(
    () => Promise.resolve({ commit: null, files: { total: 0, done: 0, skipped: 0 }, bytes: 0 }),
    {
      clock: systemClock as unknown as ManualClock,
    },
  );
  try {
    const s = await r.service.create({
      source: "hf:acme/x",
      trigger: { type: "cron", expression: "* * * * * *" },
    });
    await r.engine.start();
    await waitFor(
      async () => (await listRuns(r.kv, s.id, { limit: 10 })).items.length >= 3,
      "three runs",
      10_000,
    );
    await r.engine.stop();
    const runs = (await listRuns(r.kv, s.id, { limit: 10 })).items.filter((run) =>
      run.startedAt !== null
    );
    const lags = runs.map((run) => Date.parse(run.startedAt!) - Date.parse(run.plannedAt));
    assert.ok(lags.every((lag) => lag >= 0 && lag < 5_000), `lags ${lags}`);
    assert.ok(lags.some((lag) => lag > 0), `a real start is after the planned time: ${lags}`);
  } finally {
    await r.close();
  }
});
