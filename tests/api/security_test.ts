import assert from "node:assert/strict";
import { cronBody, startApi, startHookReceiver, type TestApi } from "./_app.ts";

const TOKEN = "np-test-token-4f1c9e";
const WEBHOOK_SECRET = "whsec-do-not-show-7d2a";
const HF_TOKEN = "hf_SecretHubTokenAbc123456";

/** Expected success status of every `/api/v1` route; the test fails when a route is missing. */
const ROUTES: Record<string, number> = {
  "POST /api/v1/schedules": 201,
  "GET /api/v1/schedules": 200,
  "GET /api/v1/schedules/:id": 200,
  "PUT /api/v1/schedules/:id": 200,
  "PATCH /api/v1/schedules/:id": 200,
  "POST /api/v1/schedules/:id/pause": 200,
  "POST /api/v1/schedules/:id/resume": 200,
  "POST /api/v1/schedules/:id/trigger": 202,
  "GET /api/v1/schedules/:id/runs": 200,
  "GET /api/v1/runs/:id": 200,
  "GET /api/v1/runs/:id/events": 200,
  "POST /api/v1/scheduler/tick": 200,
  "POST /api/v1/downloads": 202,
  "GET /api/v1/manifest": 200,
  "GET /api/v1/cache": 200,
  "POST /api/v1/cache/prune": 200,
  "POST /api/v1/cache/verify": 202,
  "PUT /api/v1/schedules/:id/time-window": 200,
  "GET /api/v1/schedules/:id/time-window": 200,
  "GET /api/v1/time-window/status": 200,
  "POST /api/v1/time-window/validate": 200,
  "DELETE /api/v1/schedules/:id/time-window": 204,
  "DELETE /api/v1/schedules/:id": 204,
};

/** Registered routes (Hono lists one entry per handler and middleware of a route). */
function registered(api: TestApi): string[] {
  return [
    ...new Set(
      api.app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"))
        .map((r) => `${r.method} ${r.path}`),
    ),
  ];
}

function bodyForHook(route: string, hookUrl: string): unknown {
  if (route.endsWith("/time-window") || route.endsWith("/validate")) {
    return route.startsWith("GET ") || route.startsWith("DELETE ")
      ? undefined
      : { windows: ["22:00-07:00"], onEnd: "pause" };
  }
  if (route === "POST /api/v1/schedules" || route.startsWith("PUT ")) {
    // no name: names are unique, and this body is posted twice
    return cronBody({ name: undefined, webhook: { url: hookUrl, secret: WEBHOOK_SECRET } });
  }
  if (route.startsWith("PATCH ")) return { name: "patched" };
  if (route === "POST /api/v1/downloads") return { source: "hf:acme/tiny-model" };
  if (route === "POST /api/v1/cache/prune") return { keep: 1, dryRun: true };
  if (route === "POST /api/v1/cache/verify") return {};
  return undefined;
}

Deno.test("with a token, every /api/v1 route answers 401 without it and works with it", async () => {
  const api = await startApi({ token: TOKEN, env: { HF_TOKEN } });
  const hooks = startHookReceiver();
  const bodyFor = (route: string) => bodyForHook(route, hooks.url);
  const bodies: string[] = [];
  try {
    const routes = registered(api);
    assert.deepEqual([...routes].sort(), Object.keys(ROUTES).sort(), "every route is covered");
    const auth = { authorization: `Bearer ${TOKEN}` };
    const created = await api.call(
      "POST",
      "/api/v1/schedules",
      bodyFor("POST /api/v1/schedules"),
      auth,
    );
    const scheduleId = created.json.id;
    const runId =
      (await api.call("POST", `/api/v1/schedules/${scheduleId}/trigger`, undefined, auth))
        .json.id;
    await api.engine.idle();
    const bad: [string, Record<string, string>][] = [
      ["auth_required", {}],
      ["auth_required", { authorization: TOKEN }],
      ["invalid_token", { authorization: "Bearer nope" }],
      ["invalid_token", { authorization: `Bearer ${TOKEN}\v` }],
      ["invalid_token", { authorization: `Bearer ${TOKEN}\u00a0` }],
      ["invalid_token", { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
      ["invalid_token", { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
    ];
    // DELETE last: it removes the schedule the other routes use
    const ordered = Object.keys(ROUTES).sort((a, b) =>
      Number(a.startsWith("DELETE")) - Number(b.startsWith("DELETE"))
    );
    for (const route of ordered) {
      const [method, pattern] = route.split(" ");
      const path = pattern.replace(":id", pattern.startsWith("/api/v1/runs") ? runId : scheduleId);
      for (const [code, headers] of bad) {
        const res = await api.call(method, path, bodyFor(route), headers);
        assert.equal(res.status, 401, `${route} ${JSON.stringify(headers)}`);
        assert.equal(res.json.error.code, code, route);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer /);
        bodies.push(res.text);
      }
      const ok = await api.call(method, path, bodyFor(route), auth);
      assert.equal(ok.status, ROUTES[route], `${route}: ${ok.text}`);
      bodies.push(ok.text);
      await api.engine.idle();
    }
    for (const open of ["/healthz", "/readyz", "/openapi.json", "/metrics"]) {
      const res = await api.call("GET", open);
      assert.equal(res.status, 200, open);
      bodies.push(res.text);
    }
    assert.ok(hooks.bodies.length > 0, "the triggered runs delivered webhooks");
    for (const secret of [TOKEN, WEBHOOK_SECRET, HF_TOKEN]) {
      for (const body of [...bodies, ...hooks.bodies, ...api.logs]) {
        assert.ok(!body.includes(secret), `leaked ${secret}: ${body}`);
      }
    }
  } finally {
    await api.close();
    await hooks.close();
  }
});

Deno.test("the webhook secret shows as *** in every schedule response; the stored one is kept", async () => {
  const api = await startApi();
  try {
    const hook = { url: "https://example.org/hook", secret: WEBHOOK_SECRET };
    // nothing runs here, so nothing is delivered to example.org
    const created = await api.call("POST", "/api/v1/schedules", cronBody({ webhook: hook }));
    const id = created.json.id;
    const responses = [
      created,
      await api.call("GET", `/api/v1/schedules/${id}`),
      await api.call("GET", "/api/v1/schedules"),
      await api.call("PATCH", `/api/v1/schedules/${id}`, { name: "renamed" }),
      await api.call("POST", `/api/v1/schedules/${id}/pause`),
      await api.call("POST", `/api/v1/schedules/${id}/resume`),
      // sending back what GET showed keeps the stored secret
      await api.call(
        "PUT",
        `/api/v1/schedules/${id}`,
        cronBody({ webhook: { ...hook, secret: "***" } }),
      ),
    ];
    for (const res of responses) {
      assert.ok(res.status < 300, res.text);
      assert.ok(!res.text.includes(WEBHOOK_SECRET), res.text);
      assert.match(res.text, /"secret":"\*\*\*"/);
    }
    const stored = await api.service.get(id);
    assert.equal(stored.webhook?.secret, WEBHOOK_SECRET);
  } finally {
    await api.close();
  }
});

Deno.test("without a configured token the API is open (loopback-only is serve's job)", async () => {
  const api = await startApi();
  try {
    const res = await api.call("GET", "/api/v1/schedules", undefined, {
      authorization: "Bearer x",
    });
    assert.equal(res.status, 200);
  } finally {
    await api.close();
  }
});
