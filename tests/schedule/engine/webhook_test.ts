import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { NightpullError } from "../../../src/errors.ts";
import { getRun } from "../../../src/store/mod.ts";
import { rig } from "../_harness.ts";

interface Received {
  body: string;
  signature: string | null;
  event: string | null;
}

function receiver(answers: number[]) {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({
      body: await req.text(),
      signature: req.headers.get("x-nightpull-signature"),
      event: req.headers.get("x-nightpull-event"),
    });
    return new Response(null, { status: answers[received.length - 1] ?? 200 });
  });
  return { server, received, url: `http://127.0.0.1:${server.addr.port}/hook` };
}

const MANUAL = { type: "cron" as const, expression: "0 0 1 1 *" };

Deno.test("webhook: one signed POST per finished run, retried after a failure, outcome stored", async () => {
  const hook = receiver([500, 200]);
  const r = await rig(
    () => Promise.resolve({ commit: "c1", files: { total: 1, done: 1, skipped: 0 }, bytes: 5 }),
    { engine: { webhookDelaysMs: [10, 10] } },
  );
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      webhook: { url: hook.url, secret: "topsecret" },
    });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    assert.equal(hook.received.length, 2);
    for (const got of hook.received) {
      const expected = "sha256=" + createHmac("sha256", "topsecret").update(got.body).digest("hex");
      assert.equal(got.signature, expected);
      assert.equal(got.event, "run.succeeded");
      assert.ok(!got.body.includes("topsecret"), "no secret in the payload");
    }
    const payload = JSON.parse(hook.received[1].body);
    assert.equal(payload.event, "run.succeeded");
    assert.deepEqual(payload.schedule, { id: s.id, name: "m", source: "hf:org/m" });
    assert.equal(payload.run.id, run.id);
    assert.equal(payload.run.status, "succeeded");
    assert.equal(payload.run.commit, "c1");
    const stored = await getRun(r.kv, run.id);
    assert.equal(stored.webhook?.status, "delivered");
    assert.equal(stored.webhook?.attempts, 2);
    assert.equal(stored.webhook?.httpStatus, 200);
    assert.ok(stored.webhook?.deliveredAt);
  } finally {
    await r.close();
    await hook.server.shutdown();
  }
});

Deno.test("webhook: failed runs send run.failed; a receiver that keeps failing is recorded", async () => {
  const hook = receiver([503, 503, 503]);
  const r = await rig(
    () => Promise.reject(new NightpullError("repo_not_found", "repository org/m not found")),
    { engine: { webhookDelaysMs: [5, 5] } },
  );
  try {
    const s = await r.service.create({
      source: "hf:org/m",
      trigger: MANUAL,
      retry: { attempts: 1 },
      webhook: { url: hook.url },
    });
    await r.engine.start();
    const run = await r.service.trigger(s.id);
    await r.engine.idle();
    assert.equal(hook.received.length, 3);
    assert.equal(hook.received[0].signature, null, "unsigned without a secret");
    assert.equal(JSON.parse(hook.received[0].body).event, "run.failed");
    const stored = await getRun(r.kv, run.id);
    assert.equal(stored.status, "failed");
    assert.deepEqual(stored.error, {
      code: "repo_not_found",
      message: "repository org/m not found",
    });
    assert.equal(stored.webhook?.status, "failed");
    assert.equal(stored.webhook?.attempts, 3);
    assert.equal(stored.webhook?.httpStatus, 503);
  } finally {
    await r.close();
    await hook.server.shutdown();
  }
});

Deno.test("webhook: a shutdown cuts a hanging delivery short, not only the waits between attempts", async () => {
  const { deliverWebhook, webhookPayload } = await import(
    "../../../src/schedule/engine/webhook.ts"
  );
  const { newRun } = await import("../../../src/schedule/runs/run_records.ts");
  const arrived = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    arrived.resolve();
    await release.promise; // a receiver that never answers
    return new Response("late");
  });
  const url = `http://127.0.0.1:${server.addr.port}/hook`;
  const run = newRun({
    id: "R",
    scheduleId: null,
    source: "hf:a/b",
    plannedAt: 0,
    trigger: "manual",
    now: 0,
  });
  const shutdown = new AbortController();
  let deadline: ReturnType<typeof setTimeout> | undefined;
  try {
    const delivery = deliverWebhook({ url }, webhookPayload(run, null), {
      timeoutMs: 120_000,
      delaysMs: [60_000],
      signal: shutdown.signal,
    });
    await arrived.promise;
    shutdown.abort();
    const hung = new Promise<"hung">((r) => deadline = setTimeout(() => r("hung"), 30_000));
    const outcome = await Promise.race([delivery, hung]);
    assert.notEqual(outcome, "hung", "the delivery waited for its own timeout");
    if (outcome !== "hung") {
      assert.equal(outcome.status, "failed");
      assert.equal(outcome.attempts, 1);
    }
  } finally {
    clearTimeout(deadline);
    release.resolve();
    await server.shutdown();
  }
});
