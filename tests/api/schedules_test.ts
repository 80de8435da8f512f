import assert from "node:assert/strict";
import { cronBody, NOW, startApi } from "./_app.ts";

const BASE = "/api/v1/schedules";

Deno.test("POST /schedules creates: 201, Location, the stored schedule with defaults", async () => {
  const api = await startApi();
  try {
    const res = await api.call("POST", BASE, cronBody({ include: ["*.json"] }));
    assert.equal(res.status, 201);
    const s = res.json;
    assert.match(s.id, /^[0-9A-Z]{26}$/);
    assert.equal(res.headers.get("location"), `${BASE}/${s.id}`);
    assert.equal(s.name, "tiny-nightly");
    assert.equal(s.source, "hf:acme/tiny-model@main");
    assert.deepEqual(s.include, ["*.json"]);
    assert.equal(s.status, "active");
    assert.equal(s.layout, "hf-cache");
    // "retried up to 3 times": 4 attempts in all
    assert.deepEqual(s.retry, { attempts: 4, backoff: "30s", factor: 2, maxBackoff: "30m" });
    assert.equal(s.priority, 5);
    assert.equal(s.createdAt, new Date(NOW).toISOString());
    const detail = await api.call("GET", res.headers.get("location")!);
    assert.equal(detail.status, 200);
    assert.equal(detail.json.id, s.id);
  } finally {
    await api.close();
  }
});

Deno.test("GET /schedules/{id}: next five runs and stats", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    const { status, json: d } = await api.call("GET", `${BASE}/${s.id}`);
    assert.equal(status, 200);
    assert.deepEqual(d.nextRuns, [
      "2026-11-23T02:00:00.000Z",
      "2026-11-24T02:00:00.000Z",
      "2026-11-25T02:00:00.000Z",
      "2026-11-26T02:00:00.000Z",
      "2026-11-27T02:00:00.000Z",
    ]);
    assert.deepEqual(d.stats, {
      runs: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      successRate: null,
      meanDurationMs: null,
    });
  } finally {
    await api.close();
  }
});

Deno.test("GET /schedules paginates with nextCursor and filters by status", async () => {
  const api = await startApi();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await api.call("POST", BASE, cronBody({ name: `s${i}` }))).json.id);
    }
    await api.call("POST", `${BASE}/${ids[1]}/pause`);
    const first = await api.call("GET", `${BASE}?limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.json.items.length, 2);
    assert.equal(typeof first.json.nextCursor, "string");
    const seen = [...first.json.items.map((s: { id: string }) => s.id)];
    let cursor = first.json.nextCursor;
    while (cursor) {
      const page = await api.call("GET", `${BASE}?limit=2&cursor=${encodeURIComponent(cursor)}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.items.map((s: { id: string }) => s.id));
      cursor = page.json.nextCursor;
    }
    assert.deepEqual([...seen].sort(), [...ids].sort());
    const paused = await api.call("GET", `${BASE}?status=paused`);
    assert.deepEqual(paused.json.items.map((s: { id: string }) => s.id), [ids[1]]);
    assert.equal(paused.json.nextCursor, null);
  } finally {
    await api.close();
  }
});

Deno.test("PUT replaces, PATCH merges (null removes), both reschedule", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody({ include: ["*.json"] }));
    const put = await api.call("PUT", `${BASE}/${s.id}`, {
      source: "hf:acme/other",
      trigger: { type: "interval", every: "6h" },
    });
    assert.equal(put.status, 200);
    assert.equal(put.json.source, "hf:acme/other");
    // replaced, not merged: the include of the old body is gone
    assert.notDeepEqual(put.json.include, ["*.json"]);
    assert.deepEqual(put.json.trigger, { type: "interval", every: "6h" });
    const patched = await api.call("PATCH", `${BASE}/${s.id}`, {
      name: "renamed",
      webhook: { url: "https://example.org/hook" },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.name, "renamed");
    assert.equal(patched.json.source, "hf:acme/other");
    assert.deepEqual(patched.json.webhook, { url: "https://example.org/hook" });
    const removed = await api.call("PATCH", `${BASE}/${s.id}`, { webhook: null });
    assert.equal(removed.status, 200);
    assert.equal(removed.json.webhook, undefined);
    const retriggered = await api.call("PATCH", `${BASE}/${s.id}`, {
      trigger: { type: "cron", expression: "30 4 * * *" },
    });
    assert.equal(retriggered.status, 200);
    const d = await api.call("GET", `${BASE}/${s.id}`);
    assert.equal(d.json.nextRuns[0], "2026-11-23T04:30:00.000Z");
  } finally {
    await api.close();
  }
});

Deno.test("pause and resume answer the schedule; pausing empties nextRuns", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    const paused = await api.call("POST", `${BASE}/${s.id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.json.status, "paused");
    assert.deepEqual((await api.call("GET", `${BASE}/${s.id}`)).json.nextRuns, []);
    const resumed = await api.call("POST", `${BASE}/${s.id}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal(resumed.json.status, "active");
    assert.equal((await api.call("GET", `${BASE}/${s.id}`)).json.nextRuns.length, 5);
  } finally {
    await api.close();
  }
});

Deno.test("trigger answers 202 with the run, which shows in GET /runs/{id} and the history", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    const res = await api.call("POST", `${BASE}/${s.id}/trigger`);
    assert.equal(res.status, 202);
    const run = res.json;
    assert.equal(run.scheduleId, s.id);
    assert.equal(run.trigger, "manual");
    assert.equal(run.plannedAt, new Date(NOW).toISOString());
    // the executor finishes at once: the run succeeds without moving the clock
    await api.engine.idle();
    const got = await api.call("GET", `/api/v1/runs/${run.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.status, "succeeded");
    assert.equal(got.json.commit, "c0ffee");
    assert.equal(got.json.bytes, 42);
    const history = await api.call("GET", `${BASE}/${s.id}/runs`);
    assert.equal(history.status, 200);
    assert.deepEqual(history.json.items.map((r: { id: string }) => r.id), [run.id]);
    assert.equal(history.json.nextCursor, null);
    const forced = await api.call("POST", `${BASE}/${s.id}/trigger?force=true`);
    assert.equal(forced.status, 202);
  } finally {
    await api.close();
  }
});

Deno.test("history is newest first and cursor-paginated", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      api.clock.set(NOW + (i + 1) * 1000);
      runs.push((await api.call("POST", `${BASE}/${s.id}/trigger`)).json.id);
      await api.engine.idle();
    }
    const first = await api.call("GET", `${BASE}/${s.id}/runs?limit=3`);
    assert.deepEqual(first.json.items.map((r: { id: string }) => r.id), runs.slice(2).reverse());
    const second = await api.call(
      "GET",
      `${BASE}/${s.id}/runs?limit=3&cursor=${first.json.nextCursor}`,
    );
    assert.deepEqual(
      second.json.items.map((r: { id: string }) => r.id),
      runs.slice(0, 2).reverse(),
    );
    assert.equal(second.json.nextCursor, null);
  } finally {
    await api.close();
  }
});

Deno.test("DELETE: soft keeps it listed as deleted with history, hard removes it; 204", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    const soft = await api.call("DELETE", `${BASE}/${s.id}`);
    assert.equal(soft.status, 204);
    assert.equal(soft.text, "");
    assert.equal((await api.call("GET", `${BASE}/${s.id}`)).json.status, "deleted");
    const deleted = await api.call("GET", `${BASE}?status=deleted`);
    assert.deepEqual(deleted.json.items.map((x: { id: string }) => x.id), [s.id]);
    assert.equal((await api.call("GET", `${BASE}/${s.id}/runs`)).status, 200);
    const hard = await api.call("DELETE", `${BASE}/${s.id}?hard=true`);
    assert.equal(hard.status, 204);
    const gone = await api.call("GET", `${BASE}/${s.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, "not_found");
  } finally {
    await api.close();
  }
});

Deno.test("unknown ids answer 404 not_found on every id route", async () => {
  const api = await startApi();
  try {
    const id = "01JD0000000000000000000000";
    for (
      const [method, path] of [
        ["GET", `${BASE}/${id}`],
        ["PUT", `${BASE}/${id}`],
        ["PATCH", `${BASE}/${id}`],
        ["DELETE", `${BASE}/${id}`],
        ["POST", `${BASE}/${id}/pause`],
        ["POST", `${BASE}/${id}/resume`],
        ["POST", `${BASE}/${id}/trigger`],
        ["GET", `${BASE}/${id}/runs`],
        ["GET", `/api/v1/runs/${id}`],
      ]
    ) {
      const body = method === "PUT" ? cronBody() : method === "PATCH" ? { name: "x" } : undefined;
      const res = await api.call(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.json.error.code, "not_found", `${method} ${path}`);
    }
    const route = await api.call("GET", "/api/v1/nothing-here");
    assert.equal(route.status, 404);
    assert.match(route.json.error.message, /no route GET \/api\/v1\/nothing-here/);
  } finally {
    await api.close();
  }
});

Deno.test("state conflicts answer 409: pausing a deleted schedule, updating it", async () => {
  const api = await startApi();
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    await api.call("DELETE", `${BASE}/${s.id}`);
    const pause = await api.call("POST", `${BASE}/${s.id}/pause`);
    assert.equal(pause.status, 409);
    assert.equal(pause.json.error.code, "conflict");
    const put = await api.call("PUT", `${BASE}/${s.id}`, cronBody());
    assert.equal(put.status, 409);
    const trigger = await api.call("POST", `${BASE}/${s.id}/trigger`);
    assert.equal(trigger.status, 409);
  } finally {
    await api.close();
  }
});

Deno.test("a cached detail follows runs the engine finishes", async () => {
  const gate = Promise.withResolvers<void>();
  const api = await startApi({
    execute: async () => {
      await gate.promise;
      return { commit: "c0ffee", files: { total: 1, done: 1, skipped: 0 }, bytes: 42 };
    },
  });
  try {
    const { json: s } = await api.call("POST", BASE, cronBody());
    await api.call("POST", `${BASE}/${s.id}/trigger`);
    const during = await api.call("GET", `${BASE}/${s.id}`);
    assert.equal(during.json.stats.succeeded, 0);
    gate.resolve();
    await api.engine.idle();
    const after = await api.call("GET", `${BASE}/${s.id}`);
    assert.equal(after.json.stats.succeeded, 1);
    assert.equal(after.json.stats.successRate, 1);
  } finally {
    gate.resolve();
    await api.close();
  }
});

Deno.test("a write made beside the API (the dashboard calls the service) drops the cached detail", async () => {
  const api = await startApi();
  try {
    const id = (await api.call("POST", "/api/v1/schedules", cronBody())).json.id;
    // read twice: the second answer comes from the detail cache
    assert.equal((await api.call("GET", `/api/v1/schedules/${id}`)).json.status, "active");
    assert.equal((await api.call("GET", `/api/v1/schedules/${id}`)).json.status, "active");
    await api.service.pause(id);
    assert.equal((await api.call("GET", `/api/v1/schedules/${id}`)).json.status, "paused");
    await api.service.delete(id, { hard: true });
    assert.equal((await api.call("GET", `/api/v1/schedules/${id}`)).status, 404);
  } finally {
    await api.close();
  }
});
