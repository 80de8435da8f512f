import assert from "node:assert/strict";
import { getRun } from "../../src/store/mod.ts";
import { cronBody, dumpKv, NOW, startApi } from "./_app.ts";

// NOW is Sunday 2026-11-22 12:00 UTC; the API's server zone is UTC.
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN = "np-window-token-71c2";
const auth = { authorization: `Bearer ${TOKEN}` };

Deno.test("time-window routes: set (short forms normalized), get with state, status, delete", async () => {
  const api = await startApi();
  try {
    const created = await api.call("POST", "/api/v1/schedules", cronBody());
    const id = created.json.id;
    const url = `/api/v1/schedules/${id}/time-window`;

    const none = await api.call("GET", url);
    assert.equal(none.status, 404);
    assert.equal(none.json.error.code, "not_found");
    assert.match(none.json.error.message, /no time window/);

    const put = await api.call("PUT", url, {
      windows: ["22:00-07:00", { start: "9:30", end: "11:00", days: "weekends" }],
      timezone: "Europe/Berlin",
      onEnd: "pause",
    });
    assert.equal(put.status, 200, put.text);
    const normalized = {
      windows: [
        { start: "22:00", end: "07:00" },
        { start: "09:30", end: "11:00", days: ["sat", "sun"] },
      ],
      timezone: "Europe/Berlin",
      onEnd: "pause",
    };
    // 13:00 in Berlin on a Sunday: closed; opens at 22:00 Berlin (21:00 UTC), closes 07:00
    const state = {
      scheduleId: id,
      name: "tiny-nightly",
      status: "active",
      timeWindow: normalized,
      timezone: "Europe/Berlin",
      open: false,
      nextOpen: iso(NOW + 9 * HOUR),
      nextClose: iso(NOW + 18 * HOUR),
    };
    assert.deepEqual(put.json, state);

    const got = await api.call("GET", url);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, state);
    const detail = await api.call("GET", `/api/v1/schedules/${id}`);
    assert.deepEqual(detail.json.timeWindow, normalized);
    assert.deepEqual(detail.json.window, {
      open: false,
      nextOpen: state.nextOpen,
      nextClose: state.nextClose,
    });

    // a second schedule, open now, in the server's zone; a third without a window
    const other = (await api.call(
      "POST",
      "/api/v1/schedules",
      cronBody({ name: "daytime", timeWindow: { windows: [{ start: "08:00", end: "18:00" }] } }),
    )).json;
    await api.call("POST", "/api/v1/schedules", cronBody({ name: "no-window" }));
    const status = await api.call("GET", "/api/v1/time-window/status");
    assert.equal(status.status, 200);
    assert.deepEqual(
      status.json.items.map((w: { name: string; open: boolean }) => [w.name, w.open]),
      [
        ["tiny-nightly", false],
        ["daytime", true],
      ],
    );
    const daytime = status.json.items[1];
    assert.equal(daytime.scheduleId, other.id);
    assert.equal(daytime.timezone, "UTC");
    assert.equal(daytime.nextClose, iso(NOW + 6 * HOUR));
    assert.equal(daytime.nextOpen, iso(NOW + 20 * HOUR));

    const removed = await api.call("DELETE", url);
    assert.equal(removed.status, 204);
    assert.equal(removed.text, "");
    assert.equal((await api.call("GET", url)).status, 404);
    assert.equal((await api.call("DELETE", url)).status, 404);
    const after = await api.call("GET", `/api/v1/schedules/${id}`);
    assert.equal(after.json.timeWindow, undefined);
    assert.equal(after.json.window, undefined);
    const left = await api.call("GET", "/api/v1/time-window/status");
    assert.deepEqual(left.json.items.map((w: { name: string }) => w.name), ["daytime"]);

    // deleted schedules have no window to show or change
    await api.call("DELETE", `/api/v1/schedules/${other.id}`);
    assert.deepEqual((await api.call("GET", "/api/v1/time-window/status")).json.items, []);
    const onDeleted = await api.call("PUT", `/api/v1/schedules/${other.id}/time-window`, {
      windows: ["01:00-02:00"],
    });
    assert.equal(onDeleted.status, 409);
    assert.equal(onDeleted.json.error.code, "conflict");
    const unknown = await api.call("PUT", "/api/v1/schedules/NOPE/time-window", {
      windows: ["01:00-02:00"],
    });
    assert.equal(unknown.status, 404);
  } finally {
    await api.close();
  }
});

Deno.test("time-window validate: the normalized window and the next three transitions", async () => {
  const api = await startApi();
  try {
    const res = await api.call("POST", "/api/v1/time-window/validate", {
      windows: [{ start: "22:00", end: "07:00", days: ["mon-fri"] }],
    });
    assert.equal(res.status, 200, res.text);
    // Sunday noon UTC: the first window starts Monday 22:00
    const monday22 = NOW + 34 * HOUR;
    assert.deepEqual(res.json, {
      window: {
        windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue", "wed", "thu", "fri"] }],
        onEnd: "continue",
      },
      timezone: "UTC",
      open: false,
      nextOpen: iso(monday22),
      nextClose: iso(monday22 + 9 * HOUR),
      transitions: [
        { at: iso(monday22), open: true },
        { at: iso(monday22 + 9 * HOUR), open: false },
        { at: iso(monday22 + 24 * HOUR), open: true },
      ],
    });
    const weekend = await api.call("POST", "/api/v1/time-window/validate", {
      windows: ["10:00-14:00"],
      timezone: "Asia/Tokyo",
    });
    assert.equal(weekend.status, 200);
    assert.equal(weekend.json.open, false); // 21:00 in Tokyo
    assert.equal(weekend.json.transitions.length, 3);
  } finally {
    await api.close();
  }
});

Deno.test("time-window routes: bad windows answer 422 naming the problem and write nothing", async () => {
  const api = await startApi();
  try {
    const id = (await api.call("POST", "/api/v1/schedules", cronBody())).json.id;
    await api.call("PUT", `/api/v1/schedules/${id}/time-window`, { windows: ["22:00-07:00"] });
    const cases: [unknown, string, RegExp][] = [
      [{ windows: ["22:00-22:00"] }, "invalid_window", /start equals end/],
      [{ windows: ["25:00-07:00"] }, "invalid_window", /hour 25 out of range/],
      [{ windows: ["22:00"] }, "invalid_window", /not a range.*22:00-07:00/],
      [{ windows: [{ start: "22:00", end: "07:60" }] }, "invalid_window", /minute 60/],
      [
        { windows: [{ start: "1:00", end: "2:00", days: "funday" }] },
        "invalid_window",
        /unknown day "funday"/,
      ],
      [{ windows: [] }, "invalid_input", /windows/],
      [{ windows: ["22:00-07:00"], timezone: "Mars/Olympus" }, "invalid_timezone", /Mars\/Olympus/],
      [{ windows: ["22:00-07:00"], onEnd: "stop" }, "invalid_input", /onEnd.*continue.*pause/],
      [{ windows: ["22:00-07:00"], colour: "red" }, "unknown_field", /colour/],
      [{ windows: [{ start: "22:00", end: "07:00", day: "mon" }] }, "unknown_field", /day/],
      [{}, "invalid_input", /windows.*required/],
    ];
    for (const [body, code, message] of cases) {
      for (const url of [`/api/v1/schedules/${id}/time-window`, "/api/v1/time-window/validate"]) {
        const before = await dumpKv(api.kv);
        const res = await api.call(url.endsWith("validate") ? "POST" : "PUT", url, body);
        assert.equal(res.status, 422, `${JSON.stringify(body)} ${url}: ${res.text}`);
        assert.equal(res.json.error.code, code, JSON.stringify(body));
        assert.match(res.json.error.message, message, JSON.stringify(body));
        assert.deepEqual(await dumpKv(api.kv), before, "bad input writes nothing");
      }
    }
    const malformed = await api.call("POST", "/api/v1/time-window/validate", "{windows:");
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, "malformed_json");
    const got = await api.call("GET", `/api/v1/schedules/${id}/time-window`);
    assert.deepEqual(got.json.timeWindow, {
      windows: [{ start: "22:00", end: "07:00" }],
      onEnd: "continue",
    });
  } finally {
    await api.close();
  }
});

Deno.test("time-window routes need the token when the server has one", async () => {
  const api = await startApi({ token: TOKEN });
  try {
    const id = (await api.call("POST", "/api/v1/schedules", cronBody(), auth)).json.id;
    const window = { windows: ["22:00-07:00"] };
    const routes: [string, string, unknown, number][] = [
      ["PUT", `/api/v1/schedules/${id}/time-window`, window, 200],
      ["GET", `/api/v1/schedules/${id}/time-window`, undefined, 200],
      ["GET", "/api/v1/time-window/status", undefined, 200],
      ["POST", "/api/v1/time-window/validate", window, 200],
      ["DELETE", `/api/v1/schedules/${id}/time-window`, undefined, 204],
    ];
    for (const [method, url, body, ok] of routes) {
      const before = await dumpKv(api.kv);
      for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
        const res = await api.call(method, url, body, headers);
        assert.equal(res.status, 401, `${method} ${url}`);
        assert.match(res.json.error.code, /auth_required|invalid_token/);
      }
      assert.deepEqual(await dumpKv(api.kv), before, "refused requests write nothing");
      const res = await api.call(method, url, body, auth);
      assert.equal(res.status, ok, `${method} ${url}: ${res.text}`);
    }
  } finally {
    await api.close();
  }
});

Deno.test("trigger outside the window answers 409 unless forced; a forced run is marked forced", async () => {
  const api = await startApi();
  try {
    const id = (await api.call(
      "POST",
      "/api/v1/schedules",
      cronBody({ timeWindow: { windows: [{ start: "20:00", end: "21:00" }], onEnd: "pause" } }),
    )).json.id;
    const refused = await api.call("POST", `/api/v1/schedules/${id}/trigger`);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, "outside_window");
    assert.equal(refused.json.error.details.nextOpen, iso(NOW + 8 * HOUR));
    assert.deepEqual((await api.call("GET", `/api/v1/schedules/${id}/runs`)).json.items, []);
    const forced = await api.call("POST", `/api/v1/schedules/${id}/trigger?force=true`);
    assert.equal(forced.status, 202);
    assert.equal(forced.json.forced, true);
    await api.engine.idle();
    assert.equal((await getRun(api.kv, forced.json.id)).status, "succeeded");

    // open now: the trigger needs no force and the run is not marked forced
    const open = await api.call("PUT", `/api/v1/schedules/${id}/time-window`, {
      windows: ["11:00-13:00"],
      onEnd: "pause",
    });
    assert.equal(open.json.open, true);
    const normal = await api.call("POST", `/api/v1/schedules/${id}/trigger`);
    assert.equal(normal.status, 202);
    assert.equal(normal.json.forced, undefined);
    await api.engine.idle();
    assert.equal((await getRun(api.kv, normal.json.id)).status, "succeeded");
  } finally {
    await api.close();
  }
});
