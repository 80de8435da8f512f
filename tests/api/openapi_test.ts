import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { z } from "@hono/zod-openapi";
import {
  DownloadInputSchema,
  ScheduleInputSchema,
  SchedulePatchSchema,
} from "../../src/api/schemas.ts";
import {
  ErrorSchema,
  ManifestEntrySchema,
  RunSchema,
  ScheduleDetailSchema,
  ScheduleSchema,
} from "../../src/api/view_schemas.ts";
import { ERROR_TABLE, isErrorCode } from "../../src/errors.ts";
import { startApi } from "./_app.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** A `$ref`'d schema resolved against the document's components. */
function resolve(doc: Json, schema: Json): Json {
  return schema?.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
}

function exampleOf(doc: Json, media: Json): unknown {
  return media.example ?? resolve(doc, media.schema)?.example;
}

Deno.test("openapi.json: valid OpenAPI 3.0 (checked by @seriousme/openapi-schema-validator), every registered route in it", async () => {
  const api = await startApi({ token: "tok" });
  try {
    const res = await api.call("GET", "/openapi.json");
    assert.equal(res.status, 200);
    const doc = res.json;
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, "3.0");

    const registered = new Set(
      api.app.routes.filter((r) => METHODS.includes(r.method.toLowerCase())).map((r) =>
        `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`
      ),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
        Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m} ${path}`)
      ),
    );
    assert.ok(registered.size >= 20, `${registered.size} routes`);
    assert.deepEqual([...registered].sort(), [...documented].sort());
    for (
      const route of [
        "get /api/v1/runs/{id}/events",
        "get /metrics",
        "get /healthz",
        "get /readyz",
        "get /openapi.json",
        "post /api/v1/scheduler/tick",
      ]
    ) assert.ok(documented.has(route), route);
    assert.ok(
      doc.paths["/api/v1/runs/{id}/events"].get.responses["200"].content["text/event-stream"],
    );
    assert.ok(doc.paths["/metrics"].get.responses["200"].content["text/plain"]);
  } finally {
    await api.close();
  }
});

Deno.test("openapi.json: every parameter, body, response and error has an example; /api/v1 needs the bearer scheme", async () => {
  const api = await startApi();
  try {
    const doc = (await api.call("GET", "/openapi.json")).json;
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: "http",
      scheme: "bearer",
      description: "NIGHTPULL_TOKEN of the server; required on /api/v1 when the server has one",
    });
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(ops as Record<string, Json>)) {
        const where = `${method} ${path}`;
        assert.ok(op.summary, `${where} has a summary`);
        const secured = path.startsWith("/api/v1/");
        assert.equal(JSON.stringify(op.security ?? null) === '[{"bearer":[]}]', secured, where);
        if (secured) assert.ok(op.responses["401"], `${where} documents 401`);
        for (const p of op.parameters ?? []) {
          assert.ok(p.example ?? p.schema?.example, `${where}: parameter ${p.name} has an example`);
        }
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
          assert.ok(exampleOf(doc, media), `${where}: ${type} body has an example`);
        }
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            const example = exampleOf(doc, media);
            assert.ok(example, `${where} ${status} ${type} has an example`);
            checked++;
            if (Number(status) >= 400 && path !== "/readyz") {
              assert.equal((media as Json).schema.$ref, "#/components/schemas/Error", where);
              // the example is a real error of that status
              ErrorSchema.parse(example);
              const code = (example as { error: { code: string } }).error.code;
              assert.ok(isErrorCode(code), `${where}: ${code}`);
              assert.equal(ERROR_TABLE[code as keyof typeof ERROR_TABLE].status, Number(status));
            }
          }
        }
      }
    }
    assert.ok(checked > 80, `${checked} responses checked`);

    // component examples are valid for the schemas the API itself uses
    const components: [string, z.ZodType][] = [
      ["ScheduleInput", ScheduleInputSchema],
      ["SchedulePatch", SchedulePatchSchema],
      ["DownloadInput", DownloadInputSchema],
      ["Schedule", ScheduleSchema],
      ["ScheduleDetail", ScheduleDetailSchema],
      ["Run", RunSchema],
      ["ManifestEntry", ManifestEntrySchema],
      ["Error", ErrorSchema],
    ];
    for (const [name, schema] of components) {
      const example = doc.components.schemas[name].example;
      const parsed = schema.safeParse(example);
      assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
    }
  } finally {
    await api.close();
  }
});

Deno.test("openapi.json: the request examples are accepted by the API as documented", async () => {
  const api = await startApi();
  try {
    const doc = (await api.call("GET", "/openapi.json")).json;
    const example = (name: string) => doc.components.schemas[name].example;
    const created = await api.call("POST", "/api/v1/schedules", example("ScheduleInput"));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.webhook.secret, "***");
    const id = created.json.id;
    const patched = await api.call("PATCH", `/api/v1/schedules/${id}`, example("SchedulePatch"));
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.webhook, undefined);
    const replaced = await api.call("PUT", `/api/v1/schedules/${id}`, example("ScheduleInput"));
    assert.equal(replaced.status, 200, replaced.text);
    const window = await api.call(
      "PUT",
      `/api/v1/schedules/${id}/time-window`,
      example("TimeWindowInput"),
    );
    assert.equal(window.status, 200, window.text);
    const check = await api.call(
      "POST",
      "/api/v1/time-window/validate",
      example("TimeWindowInput"),
    );
    assert.equal(check.status, 200, check.text);
    const download = await api.call("POST", "/api/v1/downloads", example("DownloadInput"));
    assert.equal(download.status, 202, download.text);
    // and the responses have the documented shapes
    ScheduleSchema.parse(replaced.json);
    RunSchema.parse(download.json);
    ScheduleDetailSchema.parse((await api.call("GET", `/api/v1/schedules/${id}`)).json);
    await api.engine.idle();
  } finally {
    await api.close();
  }
});

Deno.test("openapi.json: every pattern is a plain regex a client can use; webhook.url accepts its own example", async () => {
  const api = await startApi();
  try {
    const doc = (await api.call("GET", "/openapi.json")).json;
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "pattern" && typeof v === "string") patterns.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    assert.ok(patterns.length >= 2, `${patterns.length} patterns`);
    for (const p of patterns) {
      assert.doesNotMatch(p, /\/[gimsuy]+$/, `no regex flags glued to ${p}`);
      new RegExp(p);
    }
    const url = new RegExp(
      doc.components.schemas.ScheduleInput.properties.webhook.properties.url
        .pattern,
    );
    const example = doc.components.schemas.ScheduleInput.example.webhook.url;
    assert.match(example, url);
    assert.match("HTTP://Example.org/x", url);
    assert.doesNotMatch("ftp://example.org/x", url);
    assert.doesNotMatch("https://example.org/a b", url);
  } finally {
    await api.close();
  }
});
