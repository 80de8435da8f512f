import assert from "node:assert/strict";
import { cronBody, dumpKv, startApi } from "./_app.ts";

const BASE = "/api/v1/schedules";

Deno.test("schedules: description, labels and priority are stored and shown; retry defaults to 3 retries", async () => {
  const api = await startApi();
  try {
    const body = cronBody({
      description: "weights for the\nnightly eval",
      labels: { team: "nlp", "env.stage": "prod" },
      priority: 8,
    });
    const res = await api.call("POST", BASE, body);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.description, "weights for the\nnightly eval");
    assert.deepEqual(res.json.labels, { "env.stage": "prod", team: "nlp" });
    assert.equal(res.json.priority, 8);
    assert.equal(res.json.retry.attempts, 4, "the first attempt and up to 3 retries");
    const detail = (await api.call("GET", `${BASE}/${res.json.id}`)).json;
    assert.equal(detail.priority, 8);
    assert.deepEqual(detail.labels, { "env.stage": "prod", team: "nlp" });
    const patched = await api.call("PATCH", `${BASE}/${res.json.id}`, {
      labels: null,
      priority: 1,
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.labels, undefined);
    assert.equal(patched.json.priority, 1);
    assert.equal(patched.json.description, "weights for the\nnightly eval");
  } finally {
    await api.close();
  }
});

const BAD: [string, Record<string, unknown>, string, RegExp][] = [
  ["priority 0 is below the range", { priority: 0 }, "priority", /priority/],
  ["priority 11 is above the range", { priority: 11 }, "priority", /priority/],
  ["priority 2.5 is not whole", { priority: 2.5 }, "priority", /priority/],
  ["a label key with a colon", { labels: { "team:x": "nlp" } }, "labels.team:x", /label/],
  ["a label value that is not text", { labels: { team: 7 } }, "labels.team", /string/],
  ["an empty label value", { labels: { team: "" } }, "labels.team", /labels\.team/],
  ["labels as a list", { labels: ["team"] }, "labels", /labels/],
  [
    "a description with a control character",
    { description: "a\u0007b" },
    "description",
    /description/,
  ],
  [
    "a description of 2001 characters",
    { description: "x".repeat(2001) },
    "description",
    /description/,
  ],
];

Deno.test("schedules: bad description, labels or priority answer 422 naming the field and write nothing", async (t) => {
  const api = await startApi();
  try {
    for (const [name, extra, field, message] of BAD) {
      await t.step(name, async () => {
        const before = await dumpKv(api.kv);
        const res = await api.call("POST", BASE, cronBody(extra));
        assert.equal(res.status, 422, res.text);
        assert.equal(res.json.error.details.field, field, res.text);
        assert.match(res.json.error.message, message);
        assert.deepEqual(await dumpKv(api.kv), before);
      });
    }
  } finally {
    await api.close();
  }
});

Deno.test('schedules: timeWindow.windows takes "22:00-07:00" strings and day text in POST, PUT and PATCH', async () => {
  const api = await startApi();
  try {
    const created = await api.call(
      "POST",
      BASE,
      cronBody({ timeWindow: { windows: ["22:00-07:00"], timezone: "Europe/Berlin" } }),
    );
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json.timeWindow.windows, [{ start: "22:00", end: "07:00" }]);
    const id = created.json.id;
    const put = await api.call(
      "PUT",
      `${BASE}/${id}`,
      cronBody({
        timeWindow: {
          windows: ["01:00-05:00", { start: "12:00", end: "13:00", days: "weekends" }],
        },
      }),
    );
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.timeWindow.windows, [
      { start: "01:00", end: "05:00" },
      { start: "12:00", end: "13:00", days: ["sat", "sun"] },
    ]);
    const patch = await api.call("PATCH", `${BASE}/${id}`, {
      timeWindow: { windows: ["23:00-06:00"], onEnd: "pause" },
    });
    assert.equal(patch.status, 200, patch.text);
    assert.deepEqual(patch.json.timeWindow, {
      windows: [{ start: "23:00", end: "06:00" }],
      onEnd: "pause",
    });
    const bad = await api.call("PATCH", `${BASE}/${id}`, { timeWindow: { windows: ["23:00"] } });
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.json.error.message, /23:00/);
  } finally {
    await api.close();
  }
});

Deno.test("downloads: take a priority, not labels or a description", async () => {
  const api = await startApi();
  try {
    const ok = await api.call("POST", "/api/v1/downloads", {
      source: "https://example.org/a.bin",
      priority: 9,
    });
    assert.equal(ok.status, 202, ok.text);
    assert.equal(ok.json.priority, 9);
    for (const extra of [{ labels: { a: "b" } }, { description: "x" }]) {
      const res = await api.call("POST", "/api/v1/downloads", {
        source: "https://example.org/a.bin",
        ...extra,
      });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.error.code, "unknown_field");
    }
    await api.engine.idle();
  } finally {
    await api.close();
  }
});

Deno.test("POST /time-window/validate: one range as the whole body answers as {windows: [range]}", async (t) => {
  const api = await startApi();
  try {
    const path = "/api/v1/time-window/validate";
    const rows: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["start and end", { start: "22:00", end: "07:00" }, { windows: ["22:00-07:00"] }],
      [
        "with days and a zone",
        { start: "22:00", end: "07:00", days: "mon-fri", timezone: "Europe/Berlin" },
        { windows: [{ start: "22:00", end: "07:00", days: "mon-fri" }], timezone: "Europe/Berlin" },
      ],
      [
        "with days as a list and onEnd",
        { start: "09:00", end: "17:00", days: ["sat", "sun"], onEnd: "pause" },
        { windows: [{ start: "09:00", end: "17:00", days: ["sat", "sun"] }], onEnd: "pause" },
      ],
    ];
    for (const [name, single, windows] of rows) {
      await t.step(name, async () => {
        const a = await api.call("POST", path, single);
        const b = await api.call("POST", path, windows);
        assert.equal(a.status, 200, a.text);
        assert.deepEqual(a.json, b.json);
      });
    }
    await t.step("a range without its end names the field", async () => {
      const res = await api.call("POST", path, { start: "22:00" });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.error.details.field, "end");
      assert.match(res.json.error.message, /"end" is required/);
    });
    await t.step("an hour out of range says so", async () => {
      const res = await api.call("POST", path, { start: "25:00", end: "07:00" });
      assert.equal(res.status, 422, res.text);
      assert.match(res.json.error.message, /hour 25 out of range/);
    });
  } finally {
    await api.close();
  }
});

Deno.test("schedules stored before the priority field show priority 5", async () => {
  const { scheduleKey } = await import("../../src/store/keys.ts");
  const api = await startApi();
  try {
    const created = await api.call("POST", BASE, cronBody());
    const key = scheduleKey(created.json.id);
    const { priority: _p, ...older } = (await api.kv.get<Record<string, unknown>>(key)).value!;
    await api.kv.set(key, older);
    const list = await api.call("GET", BASE);
    assert.equal(list.json.items[0].priority, 5);
    const detail = await api.call("GET", `${BASE}/${created.json.id}`);
    assert.equal(detail.json.priority, 5);
  } finally {
    await api.close();
  }
});
