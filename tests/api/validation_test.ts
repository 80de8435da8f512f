import assert from "node:assert/strict";
import { BODY_LIMIT } from "../../src/api/json_body.ts";
import { cronBody, dumpKv, startApi } from "./_app.ts";

const BASE = "/api/v1/schedules";

interface Case {
  name: string;
  method?: string;
  /** Path; `{id}` becomes an existing schedule's id. */
  path?: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** `details.field`, when the error names one. */
  field?: string;
  /** What the message must say. */
  message: RegExp;
}

const cron = (expression: string, extra = {}) => ({
  trigger: { type: "cron", expression, ...extra },
});

const CASES: Case[] = [
  {
    name: "invalid cron",
    body: cronBody(cron("0 25 * * *")),
    status: 422,
    code: "invalid_cron",
    field: "trigger.expression",
    message: /^trigger\.expression: invalid cron "0 25 \* \* \*"/,
  },
  {
    name: "unknown timezone",
    body: cronBody(cron("0 2 * * *", { timezone: "Mars/Olympus_Mons" })),
    status: 422,
    code: "invalid_timezone",
    field: "trigger.timezone",
    message: /^trigger\.timezone: .*Mars\/Olympus_Mons/,
  },
  {
    name: "interval under one minute",
    body: cronBody({ trigger: { type: "interval", every: "30s" } }),
    status: 422,
    code: "invalid_interval",
    field: "trigger.every",
    message: /trigger\.every.*1m/,
  },
  {
    name: "once in the past",
    body: cronBody({ trigger: { type: "once", at: "2026-11-22T11:00:00Z" } }),
    status: 422,
    code: "invalid_input",
    field: "trigger.at",
    message: /trigger\.at.*past/,
  },
  {
    name: "unknown source scheme",
    body: cronBody({ source: "ftp://example.org/model.bin" }),
    status: 422,
    code: "invalid_source",
    field: "source",
    message: /unknown scheme "ftp:"/,
  },
  {
    name: "unknown JSON field",
    body: cronBody({ schedule: "nightly" }),
    status: 422,
    code: "unknown_field",
    field: "schedule",
    message: /"schedule"/,
  },
  {
    name: "unknown nested field",
    body: cronBody(cron("0 2 * * *", { tz: "UTC" })),
    status: 422,
    code: "unknown_field",
    field: "trigger.tz",
    message: /"trigger\.tz"/,
  },
  {
    name: "malformed JSON",
    body: '{"source": "hf:acme/tiny-model", ',
    status: 400,
    code: "malformed_json",
    message: /not valid JSON/,
  },
  {
    name: "oversized body",
    body: JSON.stringify(cronBody({ name: "x".repeat(BODY_LIMIT) })),
    status: 413,
    code: "body_too_large",
    message: /larger than 65536 bytes/,
  },
  {
    name: "wrong type in the trigger",
    body: cronBody({ trigger: { type: "cron", expression: 5 } }),
    status: 422,
    code: "invalid_input",
    field: "trigger.expression",
    message: /"trigger\.expression" must be string, got number/,
  },
  {
    name: "unknown trigger type",
    body: cronBody({ trigger: { type: "hourly" } }),
    status: 422,
    code: "invalid_input",
    field: "trigger.type",
    message: /"trigger\.type" must be one of "cron", "interval", "once"/,
  },
  {
    name: "include not a list",
    body: cronBody({ include: "*.json" }),
    status: 422,
    code: "invalid_input",
    field: "include",
    message: /"include" must be array/,
  },
  {
    name: "connections as a string",
    body: cronBody({ connections: "8" }),
    status: 422,
    code: "invalid_input",
    field: "connections",
    message: /"connections" must be number/,
  },
  {
    name: "missing source",
    body: { trigger: { type: "cron", expression: "0 2 * * *" } },
    status: 422,
    code: "invalid_input",
    field: "source",
    message: /"source" is required/,
  },
  {
    name: "body not an object",
    body: "[]",
    status: 422,
    code: "invalid_input",
    field: "",
    message: /must be object/,
  },
  {
    name: "webhook URL not http(s)",
    body: cronBody({ webhook: { url: "file:///etc/passwd" } }),
    status: 422,
    code: "invalid_input",
    field: "webhook.url",
    message: /webhook\.url/,
  },
  {
    name: "time window start == end",
    body: cronBody({ timeWindow: { windows: [{ start: "22:00", end: "22:00" }] } }),
    status: 422,
    code: "invalid_window",
    message: /timeWindow\.windows\[0\].*22:00/,
  },
  {
    name: "wrong content type",
    body: JSON.stringify(cronBody()),
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "unsupported_media_type",
    message: /application\/json/,
  },
  {
    name: "PUT with an invalid cron",
    method: "PUT",
    path: `${BASE}/{id}`,
    body: cronBody(cron("61 * * * *")),
    status: 422,
    code: "invalid_cron",
    field: "trigger.expression",
    message: /^trigger\.expression: .*61/,
  },
  {
    name: "PATCH with an unknown field",
    method: "PATCH",
    path: `${BASE}/{id}`,
    body: { nmae: "typo" },
    status: 422,
    code: "unknown_field",
    field: "nmae",
    message: /"nmae"/,
  },
  {
    name: "PATCH removing the source",
    method: "PATCH",
    path: `${BASE}/{id}`,
    body: { source: null },
    status: 422,
    code: "invalid_input",
    field: "source",
    message: /"source" must be string/,
  },
  {
    name: "download with a trigger",
    path: "/api/v1/downloads",
    body: cronBody(),
    status: 422,
    code: "unknown_field",
    field: "trigger",
    message: /"trigger"/,
  },
  {
    name: "download of an unknown scheme",
    path: "/api/v1/downloads",
    body: { source: "s3://bucket/key" },
    status: 422,
    code: "invalid_source",
    field: "source",
    message: /s3:/,
  },
  ...[["0", "limit"], ["201", "limit"], ["abc", "limit"], ["2.5", "limit"]].map(([v, f]) => ({
    name: `limit=${v}`,
    method: "GET",
    path: `${BASE}?limit=${v}`,
    status: 422,
    code: "invalid_input",
    field: f,
    message: /limit/,
  })),
  {
    name: "limit given twice",
    method: "GET",
    path: `${BASE}?limit=1&limit=500`,
    status: 422,
    code: "invalid_input",
    field: "limit",
    message: /"limit": given 2 times; give it once \(expected a whole number from 1 to 200\)/,
  },
  {
    name: "empty limit",
    method: "GET",
    path: `${BASE}?limit=`,
    status: 422,
    code: "invalid_input",
    field: "limit",
    message: /"limit": empty; give a value or leave it out \(expected a whole number from 1/,
  },
  {
    name: "invalid cursor",
    method: "GET",
    path: `${BASE}?cursor=not-a-cursor`,
    status: 400,
    code: "invalid_cursor",
    field: "cursor",
    message: /nextCursor/,
  },
  {
    name: "invalid history cursor",
    method: "GET",
    path: `${BASE}/{id}/runs?cursor=zzz`,
    status: 400,
    code: "invalid_cursor",
    field: "cursor",
    message: /nextCursor/,
  },
  {
    name: "unknown status filter",
    method: "GET",
    path: `${BASE}?status=sleeping`,
    status: 422,
    code: "invalid_input",
    field: "status",
    message: /"status" must be one of "active", "paused", "completed", "deleted"/,
  },
  {
    name: "unknown query parameter",
    method: "GET",
    path: `${BASE}?limt=5`,
    status: 422,
    code: "unknown_field",
    field: "limt",
    message: /"limt"/,
  },
  {
    name: "malformed id in the path",
    method: "GET",
    path: `${BASE}/bad.id`,
    status: 422,
    code: "invalid_input",
    field: "id",
    message: /"id"/,
  },
  {
    name: "hard=yes",
    method: "DELETE",
    path: `${BASE}/{id}?hard=yes`,
    status: 422,
    code: "invalid_input",
    field: "hard",
    message: /"hard" must be one of "true", "false"/,
  },
  {
    name: "invalid manifest cursor",
    method: "GET",
    path: "/api/v1/manifest?cursor=%%%",
    status: 400,
    code: "invalid_cursor",
    message: /nextCursor/,
  },
  {
    name: "manifest of an unknown scheme",
    method: "GET",
    path: "/api/v1/manifest?source=gopher://x",
    status: 422,
    code: "invalid_source",
    field: "source",
    message: /gopher:/,
  },
  {
    name: "verify other than changed or always",
    body: cronBody({ ...cron("0 2 * * *"), verify: "sometimes" }),
    status: 422,
    code: "invalid_input",
    field: "verify",
    message: /verify.*"changed".*"always"/,
  },
];

Deno.test("bad input answers its documented 4xx naming the field, and writes nothing", async (t) => {
  const api = await startApi();
  try {
    const { json: existing } = await api.call("POST", BASE, cronBody());
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const before = await dumpKv(api.kv);
        const res = await api.call(
          c.method ?? "POST",
          (c.path ?? BASE).replace("{id}", existing.id),
          c.body,
          c.headers,
        );
        assert.equal(res.status, c.status, res.text);
        assert.equal(res.json.error.code, c.code, res.text);
        if (c.field !== undefined) assert.equal(res.json.error.details?.field, c.field, res.text);
        assert.match(res.json.error.message, c.message);
        await api.engine.idle();
        assert.deepEqual(await dumpKv(api.kv), before, "the KV is unchanged");
      });
    }
  } finally {
    await api.close();
  }
});
