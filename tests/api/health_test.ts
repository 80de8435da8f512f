import assert from "node:assert/strict";
import { startApi } from "./_app.ts";

Deno.test("healthz answers ok; readyz is ready while the KV reads and the engine is armed", async () => {
  const api = await startApi({ token: "tok" });
  let closed = false;
  try {
    const health = await api.call("GET", "/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: "ok" });
    const ready = await api.call("GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: "ready", kv: "ok", engine: "armed" });
    await api.engine.stop();
    const stopped = await api.call("GET", "/readyz");
    assert.equal(stopped.status, 503);
    assert.deepEqual(stopped.json, { status: "unready", kv: "ok", engine: "not_armed" });
    await api.close();
    closed = true;
    const noKv = await api.call("GET", "/readyz");
    assert.equal(noKv.status, 503);
    assert.equal(noKv.json.kv, "unavailable");
  } finally {
    if (!closed) await api.close();
  }
});

Deno.test("openapi.json documents every route with the bearer scheme on /api/v1 only", async () => {
  const api = await startApi({ token: "tok" });
  try {
    const res = await api.call("GET", "/openapi.json");
    assert.equal(res.status, 200);
    const doc = res.json;
    assert.equal(doc.openapi, "3.0.3");
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: "http",
      scheme: "bearer",
      description: "NIGHTPULL_TOKEN of the server; required on /api/v1 when the server has one",
    });
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      "/api/v1/cache",
      "/api/v1/cache/prune",
      "/api/v1/cache/verify",
      "/api/v1/downloads",
      "/api/v1/manifest",
      "/api/v1/runs/{id}",
      "/api/v1/runs/{id}/events",
      "/api/v1/scheduler/tick",
      "/api/v1/schedules",
      "/api/v1/schedules/{id}",
      "/api/v1/schedules/{id}/pause",
      "/api/v1/schedules/{id}/resume",
      "/api/v1/schedules/{id}/runs",
      "/api/v1/schedules/{id}/time-window",
      "/api/v1/schedules/{id}/trigger",
      "/api/v1/time-window/status",
      "/api/v1/time-window/validate",
      "/healthz",
      "/metrics",
      "/openapi.json",
      "/readyz",
    ]);
    for (
      const [path, ops] of Object.entries(
        doc.paths as Record<string, Record<string, { security?: unknown }>>,
      )
    ) {
      for (const [method, op] of Object.entries(ops)) {
        const secured = JSON.stringify(op.security ?? null) === '[{"bearer":[]}]';
        assert.equal(secured, path.startsWith("/api/v1/"), `${method} ${path}`);
      }
    }
    const create = doc.paths["/api/v1/schedules"].post;
    assert.deepEqual(Object.keys(create.responses).sort(), [
      "201",
      "400",
      "401",
      "413",
      "415",
      "422",
    ]);
    assert.equal(
      create.requestBody.content["application/json"].schema.$ref,
      "#/components/schemas/ScheduleInput",
    );
    assert.equal(doc.components.schemas.ScheduleInput.additionalProperties, false);
  } finally {
    await api.close();
  }
});
