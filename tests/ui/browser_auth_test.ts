/// <reference lib="dom" />
/**
 * The dashboard in a real browser with a token (issue 14's tested item 5): nothing before
 * sign-in, a session cookie after, cross-origin posts refused, sign-out ends the session.
 */
import assert from "node:assert/strict";
import { pageText, watchedPage } from "./_browser.ts";
import { api, clickAndWait, present, shoot, start, until } from "./_dashboard_env.ts";

Deno.test({
  name:
    "dashboard in Chromium with a token: sign-in first, session cookie, cross-origin refused, sign-out",
  ignore: !present,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const token = "ui-test-token-0123456789";
    const env = await start(token);
    const { base } = env;
    const auth = { authorization: `Bearer ${token}` };
    const w = await watchedPage(env.browser);
    const page = w.page;
    try {
      const s = (await api(base, "POST", "/schedules", {
        name: "secret-schedule-name",
        source: "hf:acme/tiny-model@main",
        trigger: { type: "cron", expression: "0 2 * * *" },
      }, auth)).json;
      await page.goto(`${base}/`, { waitUntil: "load" });
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      assert.ok(!(await page.content()).includes("secret-schedule-name"));
      await shoot(w, base, "/sign-in", "sign-in");

      await page.type("#token", token);
      await clickAndWait(page, "button[type=submit]");
      assert.equal(new URL(page.url()).pathname, "/");
      assert.ok((await pageText(page)).includes("secret-schedule-name"));
      const cookies = await page.cookies();
      const session = cookies.find((c) => c.name === "np_session")!;
      assert.ok(session.httpOnly);
      assert.equal(session.sameSite, "Strict");
      assert.ok(!page.url().includes(token));
      assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);

      // the dashboard works: pause in place, through the session and its CSRF header
      await page.goto(`${base}/schedules/${s.id}`, { waitUntil: "load" });
      await page.click(`form[action$="/pause"] button`);
      await until(
        async () => (await api(base, "GET", `/schedules/${s.id}`, undefined, auth)).json.status,
        (v) => v === "paused",
      );

      // the same cookie and CSRF token from another origin are refused
      const csrf = await page.$eval('meta[name="csrf-token"]', (m) => m.getAttribute("content"));
      const cookie = `np_session=${session.value}`;
      const cross = await fetch(`${base}/schedules/${s.id}/resume`, {
        method: "POST",
        headers: {
          cookie,
          origin: "http://evil.example",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `_csrf=${encodeURIComponent(csrf!)}`,
        redirect: "manual",
      });
      assert.equal(cross.status, 403);
      await cross.body?.cancel();
      const crossApi = await fetch(`${base}/api/v1/schedules/${s.id}/resume`, {
        method: "POST",
        headers: { cookie, origin: "http://evil.example", "x-csrf-token": csrf! },
      });
      assert.ok(crossApi.status === 401 || crossApi.status === 403, String(crossApi.status));
      await crossApi.body?.cancel();
      assert.equal(
        (await api(base, "GET", `/schedules/${s.id}`, undefined, auth)).json.status,
        "paused",
      );

      await clickAndWait(page, "header form button");
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      assert.equal((await page.cookies()).find((c) => c.name === "np_session"), undefined);
      const stale = await fetch(`${base}/`, { headers: { cookie }, redirect: "manual" });
      assert.equal(stale.status, 303, "the old session cookie is dead");
      await stale.body?.cancel();
      assert.deepEqual(w.errors, []);
    } finally {
      await env.close();
    }
  },
});
