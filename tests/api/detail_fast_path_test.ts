import assert from "node:assert/strict";
import { DetailCache } from "../../src/api/detail_cache.ts";
import { detailFastPath } from "../../src/api/detail_fast_path.ts";
import type { ScheduleDetail } from "../../src/schedule/service/service.ts";
import { cronBody, startApi } from "./_app.ts";

const ID = "01JD7S3W5X9QK2M8V4N6R0T1YB";
const BASE = "http://127.0.0.1:8080/api/v1/schedules";

async function cachedFastPath() {
  const details = new DetailCache((id) =>
    Promise.resolve({ id, name: "n", nextRuns: [] } as unknown as ScheduleDetail)
  );
  await details.get(ID);
  return detailFastPath(details, (req) => req.headers.get("x-admit") === "yes");
}

const CASES: [name: string, url: string, init: RequestInit, answers: boolean][] = [
  ["a GET of a cached detail the guard admits", `${BASE}/${ID}`, {}, true],
  ["the guard does not admit it", `${BASE}/${ID}`, { headers: { "x-admit": "no" } }, false],
  ["a detail not cached", `${BASE}/01JD7S3W5X9QK2M8V4N6R0T1YC`, {}, false],
  ["HEAD", `${BASE}/${ID}`, { method: "HEAD" }, false],
  ["DELETE", `${BASE}/${ID}`, { method: "DELETE" }, false],
  ["a query string", `${BASE}/${ID}?x=1`, {}, false],
  ["an escaped id", `${BASE}/%30${ID.slice(1)}`, {}, false],
  ["an id the validator refuses", `${BASE}/${"A".repeat(65)}`, {}, false],
  ["a sub-route", `${BASE}/${ID}/runs`, {}, false],
  ["a trailing slash", `${BASE}/${ID}/`, {}, false],
  ["the list", BASE, {}, false],
  ["another prefix", `http://127.0.0.1:8080/schedules/${ID}`, {}, false],
];

for (const [name, url, init, answers] of CASES) {
  Deno.test(`detail fast path: ${name} -> ${answers ? "answered" : "left to the app"}`, async () => {
    const fast = await cachedFastPath();
    const headers = new Headers(init.headers);
    if (!headers.has("x-admit")) headers.set("x-admit", "yes");
    const res = fast(new Request(url, { ...init, headers }));
    assert.equal(res !== null, answers);
    if (res) {
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { id: ID, name: "n", nextRuns: [] });
    }
  });
}

Deno.test("a cached detail answers as the app does, and the guard still refuses a foreign Host", async () => {
  const api = await startApi();
  // the cache keeps a detail only until its next run by the real clock
  api.clock.jump(Date.now());
  try {
    const { json: created } = await api.call("POST", "/api/v1/schedules", cronBody());
    const path = `/api/v1/schedules/${created.id}`;
    const first = await api.call("GET", path); // a miss: the app loads and caches it
    const second = await api.call("GET", path); // a hit: answered ahead of the router
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.deepEqual([...second.headers], [...first.headers]);
    const foreign = await api.call("GET", path, undefined, { host: "attacker.example" });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error.code, "forbidden_origin");
    const origin = await api.call("GET", path, undefined, { origin: "http://evil.example" });
    assert.equal(origin.status, 403);
  } finally {
    await api.close();
  }
});

Deno.test("with a token, a cached detail still needs it", async () => {
  const api = await startApi({ token: "s3cret-token" });
  const auth = { authorization: "Bearer s3cret-token" };
  api.clock.jump(Date.now());
  try {
    const { json: created } = await api.call("POST", "/api/v1/schedules", cronBody(), auth);
    const path = `/api/v1/schedules/${created.id}`;
    assert.equal((await api.call("GET", path, undefined, auth)).status, 200);
    assert.equal((await api.call("GET", path, undefined, auth)).status, 200);
    const none = await api.call("GET", path);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, "auth_required");
    const wrong = await api.call("GET", path, undefined, { authorization: "Bearer s3cret-tokeN" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, "invalid_token");
  } finally {
    await api.close();
  }
});
