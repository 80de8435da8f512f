import assert from "node:assert/strict";
import { cronBody, dumpKv, NOW, startApi } from "./_app.ts";

const BASE = "/api/v1/schedules";

Deno.test("schedule names are unique among schedules that are not deleted (409, nothing written)", async () => {
  const api = await startApi();
  try {
    const first = await api.call("POST", BASE, cronBody({ name: "nightly" }));
    assert.equal(first.status, 201, first.text);
    const before = await dumpKv(api.kv);
    const dup = await api.call("POST", BASE, cronBody({ name: "nightly", source: "hf:a/b" }));
    assert.equal(dup.status, 409, dup.text);
    assert.equal(dup.json.error.code, "conflict");
    assert.equal(dup.json.error.details.field, "name");
    assert.match(dup.json.error.message, /"nightly" already exists/);
    assert.deepEqual(await dumpKv(api.kv), before, "the KV is unchanged");

    const other = await api.call("POST", BASE, cronBody({ name: "weekly" }));
    assert.equal(other.status, 201);
    const rename = await api.call("PATCH", `${BASE}/${other.json.id}`, { name: "nightly" });
    assert.equal(rename.status, 409, rename.text);
    const put = await api.call("PUT", `${BASE}/${other.json.id}`, cronBody({ name: "nightly" }));
    assert.equal(put.status, 409, put.text);
    // a PUT without a name keeps the schedule's name
    const keep = await api.call("PUT", `${BASE}/${other.json.id}`, {
      ...cronBody(),
      name: undefined,
    });
    assert.equal(keep.status, 200, keep.text);
    assert.equal(keep.json.name, "weekly");

    // renaming frees the old name; soft and hard deletes free the name
    const moved = await api.call("PATCH", `${BASE}/${first.json.id}`, { name: "nightly-v2" });
    assert.equal(moved.status, 200, moved.text);
    const reuse = await api.call("POST", BASE, cronBody({ name: "nightly" }));
    assert.equal(reuse.status, 201, reuse.text);
    assert.equal((await api.call("DELETE", `${BASE}/${reuse.json.id}`)).status, 204);
    const afterSoft = await api.call("POST", BASE, cronBody({ name: "nightly" }));
    assert.equal(afterSoft.status, 201, afterSoft.text);
    assert.equal((await api.call("DELETE", `${BASE}/${afterSoft.json.id}?hard=true`)).status, 204);
    const afterHard = await api.call("POST", BASE, cronBody({ name: "nightly" }));
    assert.equal(afterHard.status, 201, afterHard.text);
  } finally {
    await api.close();
  }
});

Deno.test("schedule names: a name left out defaults to the repo name, with a suffix when taken", async () => {
  const api = await startApi();
  try {
    const names = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.call("POST", BASE, { ...cronBody(), name: undefined });
      assert.equal(res.status, 201, res.text);
      names.push(res.json.name);
    }
    assert.deepEqual(names, ["tiny-model", "tiny-model-2", "tiny-model-3"]);
  } finally {
    await api.close();
  }
});

Deno.test("GET /schedules?label= keeps schedules carrying every given label", async (t) => {
  const api = await startApi();
  try {
    const make = async (name: string, labels?: Record<string, string>) =>
      (await api.call("POST", BASE, cronBody({ name, labels }))).json.id as string;
    const a = await make("a", { team: "nlp", env: "prod" });
    const b = await make("b", { team: "nlp" });
    const c = await make("c", { team: "vision", env: "prod" });
    await make("d");
    const rows: [string, string, string[]][] = [
      ["one label", "label=team:nlp", [a, b]],
      ["two labels", "label=team:nlp&label=env:prod", [a]],
      ["a key alone", "label=env", [a, c]],
      ["no match", "label=team:audio", []],
      ["a value with a colon", "label=team:nlp:x", []],
    ];
    for (const [name, query, ids] of rows) {
      await t.step(name, async () => {
        const res = await api.call("GET", `${BASE}?${query}`);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.json.items.map((s: { id: string }) => s.id), ids);
      });
    }
    await t.step("paging over a filter", async () => {
      const first = await api.call("GET", `${BASE}?label=team:nlp&limit=1`);
      assert.deepEqual(first.json.items.map((s: { id: string }) => s.id), [a]);
      const next = await api.call(
        "GET",
        `${BASE}?label=team:nlp&limit=1&cursor=${first.json.nextCursor}`,
      );
      assert.deepEqual(next.json.items.map((s: { id: string }) => s.id), [b]);
      assert.equal(next.json.nextCursor, null);
    });
    await t.step("a bad label filter is 422", async () => {
      const res = await api.call("GET", `${BASE}?label=:nlp`);
      assert.equal(res.status, 422, res.text);
      assert.match(res.json.error.message, /KEY:VALUE/);
    });
  } finally {
    await api.close();
  }
});

Deno.test("nextRunAt: create and list show the engine's next run; an interval's next runs count from its creation", async () => {
  const api = await startApi();
  try {
    const cron = await api.call("POST", BASE, cronBody({ name: "cron" }));
    assert.equal(cron.json.nextRunAt, "2026-11-23T02:00:00.000Z");
    const every = await api.call("POST", BASE, {
      name: "every",
      source: "hf:acme/tiny-model",
      trigger: { type: "interval", every: "6h" },
    });
    const first = new Date(NOW + 6 * 3_600_000).toISOString();
    assert.equal(every.json.nextRunAt, first);
    // time passes: the engine still fires at creation + 6h, and so says the API
    api.clock.advance(3_600_000);
    const detail = (await api.call("GET", `${BASE}/${every.json.id}`)).json;
    assert.equal(detail.nextRunAt, first);
    assert.deepEqual(
      detail.nextRuns,
      [6, 12, 18, 24, 30].map((h) => new Date(NOW + h * 3_600_000).toISOString()),
    );
    const list = (await api.call("GET", BASE)).json.items;
    assert.deepEqual(
      list.map((s: { name: string; nextRunAt: string | null }) => [s.name, s.nextRunAt]),
      [["cron", "2026-11-23T02:00:00.000Z"], ["every", first]],
    );
    await api.call("POST", `${BASE}/${cron.json.id}/pause`);
    const paused = (await api.call("GET", `${BASE}?status=paused`)).json.items;
    assert.equal(paused[0].nextRunAt, null);
  } finally {
    await api.close();
  }
});

Deno.test("schedule names: past 20 numbered copies a default name takes the id's tail", async () => {
  const api = await startApi();
  try {
    const names = new Set<string>();
    for (let i = 0; i < 23; i++) {
      const res = await api.call("POST", BASE, { ...cronBody(), name: undefined });
      assert.equal(res.status, 201, res.text);
      names.add(res.json.name);
    }
    assert.equal(names.size, 23);
    assert.ok(names.has("tiny-model-21"));
  } finally {
    await api.close();
  }
});
