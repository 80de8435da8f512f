import assert from "node:assert/strict";
import { cronBody, dumpKv, startApi } from "../api/_app.ts";

const ORIGIN = "http://localhost";
const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  }
  return body;
};
const post = (fields: Record<string, string | string[]>, headers: Record<string, string> = {}) => ({
  method: "POST",
  body: form(fields),
  headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", ...headers },
});
const valid = {
  name: "tiny-nightly",
  source: "hf:acme/tiny-model@main",
  trigger_type: "cron",
  cron: "0 2 * * *",
  timezone: "Europe/Berlin",
  intent: "save",
};

Deno.test("every page is served with a strict CSP, no inline script or style, and the assets with ETags", async () => {
  const api = await startApi();
  try {
    const s = (await api.call("POST", "/api/v1/schedules", cronBody())).json;
    for (
      const path of [
        "/",
        `/schedules/${s.id}`,
        "/schedules/new",
        `/schedules/${s.id}/edit`,
        "/cache",
      ]
    ) {
      const res = await api.app.request(path);
      const html = await res.text();
      assert.equal(res.status, 200, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.ok(html.startsWith("<!DOCTYPE html>"), path);
      assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, `${path}: an inline script`);
      assert.doesNotMatch(html, /\sstyle=|<style/, `${path}: an inline style`);
      assert.doesNotMatch(html, /(src|href|action)="(https?:)?\/\//, `${path}: an external URL`);
    }
    const page = await (await api.app.request("/")).text();
    const css = /href="(\/assets\/style\.css\?v=\w+)"/.exec(page)![1];
    const first = await api.app.request(css);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("cache-control")!, /immutable/);
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    const again = await api.app.request(css, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  } finally {
    await api.close();
  }
});

Deno.test("the form shows the service's message beside the cron field and stores nothing; a fixed form saves", async () => {
  const api = await startApi();
  try {
    const before = await dumpKv(api.kv);
    const res = await api.app.request("/schedules/new", post({ ...valid, cron: "61 2 * * *" }));
    const html = await res.text();
    assert.equal(res.status, 422);
    const apiError = await api.call("POST", "/api/v1/schedules", {
      ...cronBody(),
      trigger: { type: "cron", expression: "61 2 * * *", timezone: "Europe/Berlin" },
    });
    assert.equal(apiError.status, 422);
    const shown = /data-error-for="cron">([^<]*)</.exec(html)?.[1];
    const escaped = apiError.json.error.message.replaceAll('"', "&quot;");
    assert.equal(shown, escaped);
    assert.deepEqual(await dumpKv(api.kv), before, "nothing stored");

    const ok = await api.app.request("/schedules/new", post(valid));
    assert.equal(ok.status, 303);
    const id = ok.headers.get("location")!.split("/").pop()!;
    const stored = (await api.call("GET", `/api/v1/schedules/${id}`)).json;
    assert.equal(stored.trigger.expression, "0 2 * * *");
    assert.equal(stored.trigger.timezone, "Europe/Berlin");
  } finally {
    await api.close();
  }
});

Deno.test("a cross-origin form post changes nothing", async () => {
  const api = await startApi();
  try {
    const s = (await api.call("POST", "/api/v1/schedules", cronBody())).json;
    const res = await api.app.request(
      `/schedules/${s.id}/pause`,
      post({}, { origin: "http://evil.example" }),
    );
    assert.equal(res.status, 403);
    assert.equal((await api.call("GET", `/api/v1/schedules/${s.id}`)).json.status, "active");
    const same = await api.app.request(`/schedules/${s.id}/pause`, post({}));
    assert.equal(same.status, 303);
    assert.equal((await api.call("GET", `/api/v1/schedules/${s.id}`)).json.status, "paused");
  } finally {
    await api.close();
  }
});

Deno.test("with a token: nothing before sign-in, a session cookie after, CSRF and origin enforced, sign-out ends it", async () => {
  const api = await startApi({ token: "s3cret-token" });
  try {
    const auth = { authorization: "Bearer s3cret-token" };
    const s = (await api.call("POST", "/api/v1/schedules", cronBody(), auth)).json;
    const anon = await api.app.request("/");
    assert.equal(anon.status, 303);
    assert.equal(anon.headers.get("location"), "/sign-in");
    const signInPage = await (await api.app.request("/sign-in")).text();
    assert.ok(!signInPage.includes("tiny-nightly"));

    const bad = await api.app.request("/sign-in", post({ token: "wrong" }));
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("set-cookie"), null);
    const good = await api.app.request("/sign-in", post({ token: "s3cret-token" }));
    assert.equal(good.status, 303);
    const setCookie = good.headers.get("set-cookie")!;
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    assert.ok(!setCookie.includes("s3cret-token"));
    const cookie = setCookie.split(";")[0];

    const overview = await api.app.request("/", { headers: { cookie } });
    const html = await overview.text();
    assert.ok(html.includes("tiny-nightly"));
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(html)![1];
    // the API takes the cookie for reads (the event stream) ...
    assert.equal(
      (await api.app.request(`/api/v1/schedules/${s.id}`, { headers: { cookie } })).status,
      200,
    );
    // ... and for writes only same-origin with the CSRF header
    const noCsrf = await api.app.request(`/api/v1/schedules/${s.id}/pause`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
    });
    assert.equal(noCsrf.status, 401);
    const crossSite = await api.app.request(
      `/schedules/${s.id}/pause`,
      post({ _csrf: csrf }, {
        cookie,
        origin: "http://evil.example",
      }),
    );
    assert.equal(crossSite.status, 403);
    const withoutToken = await api.app.request(`/schedules/${s.id}/pause`, post({}, { cookie }));
    assert.equal(withoutToken.status, 403);
    assert.equal(
      (await api.call("GET", `/api/v1/schedules/${s.id}`, undefined, auth)).json.status,
      "active",
    );
    const paused = await api.app.request(
      `/schedules/${s.id}/pause`,
      post({ _csrf: csrf }, { cookie }),
    );
    assert.equal(paused.status, 303);
    assert.equal(
      (await api.call("GET", `/api/v1/schedules/${s.id}`, undefined, auth)).json.status,
      "paused",
    );

    const out = await api.app.request("/sign-out", post({ _csrf: csrf }, { cookie }));
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie")!, /Max-Age=0/i);
    const after = await api.app.request("/", { headers: { cookie } });
    assert.equal(after.status, 303, "the old cookie no longer opens the dashboard");
    assert.equal(
      (await api.app.request(`/api/v1/schedules/${s.id}`, { headers: { cookie } })).status,
      401,
    );
  } finally {
    await api.close();
  }
});

Deno.test("the overview filters by state and label and searches name and source; the form takes labels", async () => {
  const api = await startApi();
  try {
    await api.call(
      "POST",
      "/api/v1/schedules",
      cronBody({ name: "nlp-one", labels: { team: "nlp" } }),
    );
    await api.call(
      "POST",
      "/api/v1/schedules",
      cronBody({ name: "vision-two", labels: { team: "cv" } }),
    );
    const paused =
      (await api.call("POST", "/api/v1/schedules", cronBody({ name: "idle-three" }))).json;
    await api.call("POST", `/api/v1/schedules/${paused.id}/pause`);
    const names = async (query: string) => {
      const html = await (await api.app.request(`/?${query}`)).text();
      return [...html.matchAll(/<a href="\/schedules\/[0-9A-Z]{26}">([^<]+)<\/a>/g)].map((m) =>
        m[1]
      ).sort();
    };
    assert.deepEqual(await names(""), ["idle-three", "nlp-one", "vision-two"]);
    assert.deepEqual(await names("label=team%3Anlp"), ["nlp-one"]);
    assert.deepEqual(await names("state=paused"), ["idle-three"]);
    assert.deepEqual(await names("q=VISION"), ["vision-two"]);
    assert.deepEqual(await names("q=tiny-model"), ["idle-three", "nlp-one", "vision-two"]);

    const res = await api.app.request(
      "/schedules/new",
      post({
        ...valid,
        name: "labelled",
        labels: "team=nlp\nowner: ana",
        priority: "7",
        keep_revisions: "2",
      }),
    );
    assert.equal(res.status, 303);
    const id = res.headers.get("location")!.split("/").pop()!;
    const stored = (await api.call("GET", `/api/v1/schedules/${id}`)).json;
    assert.deepEqual(stored.labels, { team: "nlp", owner: "ana" });
    assert.equal(stored.priority, 7);
    assert.equal(stored.keepRevisions, 2);
  } finally {
    await api.close();
  }
});

Deno.test("the trigger preview gives the next 5 runs, or the API's message for its field", async () => {
  const api = await startApi();
  try {
    const ok = await (await api.app.request(
      "/ui/preview?trigger_type=cron&cron=0%202%20*%20*%20*&timezone=Europe%2FBerlin",
    )).json();
    assert.deepEqual(ok.runs, [
      "2026-11-23 02:00 Europe/Berlin",
      "2026-11-24 02:00 Europe/Berlin",
      "2026-11-25 02:00 Europe/Berlin",
      "2026-11-26 02:00 Europe/Berlin",
      "2026-11-27 02:00 Europe/Berlin",
    ]);
    const bad = await (await api.app.request("/ui/preview?trigger_type=interval&every=10s")).json();
    const expected = await api.call("POST", "/api/v1/schedules", {
      ...cronBody(),
      trigger: { type: "interval", every: "10s" },
    });
    assert.equal(bad.field, "every");
    assert.equal(bad.message, expected.json.error.message);
  } finally {
    await api.close();
  }
});
