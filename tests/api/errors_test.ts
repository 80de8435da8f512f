import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorHandler } from "../../src/api/errors.ts";
import { issuePath, validationError } from "../../src/schedule/service/input_errors.ts";
import { ScheduleInputSchema } from "../../src/api/schemas.ts";
import { NightpullError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";

function mapped(input: unknown): NightpullError {
  const result = ScheduleInputSchema.safeParse(input);
  assert.equal(result.success, false);
  return validationError(result.error!, "json");
}

const cron = { type: "cron", expression: "0 2 * * *" };

Deno.test("issuePath dots names and brackets indexes", () => {
  assert.equal(issuePath(["trigger", "expression"]), "trigger.expression");
  assert.equal(issuePath(["include", 1]), "include[1]");
  assert.equal(issuePath([]), "");
});

Deno.test("unknown fields map to unknown_field naming each, nested ones with their path", () => {
  const top = mapped({ source: "hf:a/b", trigger: cron, sauce: 1, extra: 2 });
  assert.equal(top.code, "unknown_field");
  assert.equal(top.status, 422);
  assert.equal(top.details?.field, "sauce");
  assert.deepEqual(top.details?.fields, ["sauce", "extra"]);
  assert.match(top.message, /"sauce", "extra"/);
  const nested = mapped({ source: "hf:a/b", trigger: { ...cron, tz: "UTC" } });
  assert.equal(nested.code, "unknown_field");
  assert.equal(nested.details?.field, "trigger.tz");
});

Deno.test("type errors map to invalid_input naming the path and what was expected", () => {
  const e = mapped({ source: "hf:a/b", trigger: { type: "cron", expression: 5 } });
  assert.equal(e.code, "invalid_input");
  assert.equal(e.details?.field, "trigger.expression");
  assert.match(e.message, /"trigger\.expression" must be string, got number/);
  const missing = mapped({ trigger: cron });
  assert.equal(missing.details?.field, "source");
  assert.match(missing.message, /"source" is required/);
  const kind = mapped({ source: "hf:a/b", trigger: { type: "hourly" } });
  assert.equal(kind.details?.field, "trigger.type");
  assert.match(kind.message, /"cron", "interval", "once"/);
  const item = mapped({ source: "hf:a/b", trigger: cron, include: ["*.json", 3] });
  assert.equal(item.details?.field, "include[1]");
  const layout = mapped({ source: "hf:a/b", trigger: cron, layout: "flat" });
  assert.match(layout.message, /"layout" must be one of "hf-cache", "local-dir"/);
  const root = mapped([1]);
  assert.match(root.message, /the body must be object/);
});

Deno.test("unexpected errors answer 500 internal without message or stack, and are logged", async () => {
  const lines: string[] = [];
  const app = new Hono();
  app.onError(errorHandler(createLogger({ format: "json", write: (l) => lines.push(l) })));
  app.get("/boom", () => {
    throw new Error("database password is hunter2 at /srv/secret");
  });
  app.get("/gate", () => {
    throw new HTTPException(415, { message: "Unsupported Media Type" });
  });
  app.get("/known", () => {
    throw new NightpullError("not_found", 'no schedule "x"');
  });
  const res = await app.request("/boom");
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), {
    error: { code: "internal", message: "internal error: the server log has the details" },
  });
  assert.ok(!text.includes("hunter2"));
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).event, "api.internal_error");
  assert.equal(JSON.parse(lines[0]).stack, undefined, "no stack unless --log-level debug");
  const gate = await app.request("/gate");
  assert.equal(gate.status, 415);
  assert.equal((await gate.json()).error.code, "unsupported_media_type");
  const known = await app.request("/known");
  assert.equal(known.status, 404);
  assert.deepEqual(await known.json(), {
    error: { code: "not_found", message: 'no schedule "x"' },
  });
});

Deno.test("with --log-level debug an unexpected error's stack is logged on its own line", async () => {
  const lines: string[] = [];
  const app = new Hono();
  const logger = createLogger({ format: "json", level: "debug", write: (l) => lines.push(l) });
  app.onError(errorHandler(logger));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  assert.equal((await app.request("/boom")).status, 500);
  assert.deepEqual(lines.map((l) => JSON.parse(l).event), [
    "api.internal_error",
    "api.internal_error.stack",
  ]);
  assert.match(JSON.parse(lines[1]).stack, /Error: boom\n\s+at /);
});
