/// <reference lib="dom" />
/**
 * The dashboard in a real browser (issue 14's tested items 1–4 and 6): a real `serve` process
 * with a real KV file, the fake hub, and Chromium; screenshots of every page at both sizes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pageText, watchedPage } from "./_browser.ts";
import {
  api,
  clickAndWait,
  docsShot,
  present,
  shoot,
  SHOTS,
  start,
  until,
} from "./_dashboard_env.ts";

Deno.test({
  name: "dashboard in Chromium: overview, live progress, form, actions, screenshots",
  ignore: !present,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const env = await start();
    const { base } = env;
    const w = await watchedPage(env.browser);
    const page = w.page;
    try {
      const out = join(env.dir, "out");
      const created = await api(base, "POST", "/schedules", {
        name: "gpt2-nightly",
        source: "hf:acme/tiny-model@main",
        trigger: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
        timeWindow: { windows: [{ start: "22:00", end: "07:00" }], timezone: "Europe/Berlin" },
      });
      assert.equal(created.status, 201);
      const slow = (await api(base, "POST", "/schedules", {
        name: "slow-pull",
        source: "hf:acme/tiny-model@main",
        layout: "local-dir",
        dir: out,
        bandwidth: "256k",
        trigger: { type: "interval", every: "24h", startAt: "2030-01-01T00:00:00Z" },
      })).json;

      await t.step("1. the overview lists schedules created through the API", async () => {
        await page.goto(`${base}/`, { waitUntil: "load" });
        const text = await pageText(page);
        assert.ok(text.includes("gpt2-nightly"), text);
        assert.ok(text.includes("slow-pull"));
        assert.ok(text.includes("every day at 02:00 Europe/Berlin"));
      });

      await t.step(
        "2. a running download's progress bar advances and reaches succeeded live",
        async () => {
          const run = (await api(base, "POST", `/schedules/${slow.id}/trigger`)).json;
          await until(
            () => api(base, "GET", `/runs/${run.id}`),
            (r) => r.json.status === "running",
          );
          await page.goto(`${base}/`, { waitUntil: "load" });
          const bar = `[data-run-id="${run.id}"] progress[data-total]`;
          const read = () => page.$eval(bar, (p) => (p as HTMLProgressElement).value);
          await page.waitForFunction(
            (sel) => {
              const p = document.querySelector(sel) as HTMLProgressElement | null;
              return p !== null && p.max > 100_000 && p.value > 0;
            },
            { timeout: 30_000 },
            bar,
          );
          const first = await read();
          await page.waitForFunction(
            (sel, v) => (document.querySelector(sel) as HTMLProgressElement).value > v,
            { timeout: 30_000 },
            bar,
            first,
          );
          assert.ok(await read() > first);
          assert.equal(await page.$eval(bar, (p) => p.getAttribute("role")), "progressbar");
          await docsShot(page, "dashboard-running.png");
          await page.waitForFunction(
            (id) =>
              document.querySelector(`[data-run-id="${id}"] [data-status]`)?.textContent ===
                "succeeded",
            { timeout: 60_000 },
            run.id,
          );
          assert.equal((await api(base, "GET", `/runs/${run.id}`)).json.status, "succeeded");
          await shoot(w, base, `/runs/${run.id}`, "run");
        },
      );

      let formId = "";
      await t.step(
        "3. a bad cron shows the API's message and stores nothing; fixed, it is listed; a new window redraws the timeline",
        async () => {
          const before = (await api(base, "GET", "/schedules?limit=100")).json.items.length;
          const expected = (await api(base, "POST", "/schedules", {
            name: "form-made",
            source: "hf:acme/tiny-model@main",
            trigger: { type: "cron", expression: "61 3 * * *" },
          })).json.error.message;
          await page.goto(`${base}/schedules/new`, { waitUntil: "load" });
          await page.type("#f-name", "form-made");
          await page.type("#f-source", "hf:acme/tiny-model@main");
          await page.$eval("#f-cron", (e) => (e as HTMLInputElement).value = "");
          await page.type("#f-cron", "61 3 * * *");
          await clickAndWait(page, "button[value=save]");
          const shown = await page.$eval('[data-error-for="cron"]', (e) => e.textContent);
          assert.equal(shown, expected);
          assert.equal((await api(base, "GET", "/schedules?limit=100")).json.items.length, before);

          await page.$eval("#f-cron", (e) => (e as HTMLInputElement).value = "");
          await page.type("#f-cron", "0 3 * * *");
          await clickAndWait(page, "button[value=save]");
          formId = page.url().split("/").pop()!;
          assert.equal(
            (await api(base, "GET", `/schedules/${formId}`)).json.trigger.expression,
            "0 3 * * *",
          );
          await page.goto(`${base}/`, { waitUntil: "load" });
          assert.ok((await pageText(page)).includes("form-made"));

          await page.goto(`${base}/schedules/${formId}`, { waitUntil: "load" });
          assert.equal((await page.$$(".timeline rect.win")).length, 0);
          // a window that is closed now, so "run now" below needs force
          const h = new Date().getUTCHours();
          const hh = (n: number) => `${String((h + n) % 24).padStart(2, "0")}:00`;
          await page.goto(`${base}/schedules/${formId}/edit`, { waitUntil: "load" });
          await page.type("#f-win0_start", hh(2));
          await page.type("#f-win0_end", hh(4));
          await clickAndWait(page, "button[value=save]");
          assert.ok((await page.$$(".timeline rect.win")).length >= 7);
          const stored = (await api(base, "GET", `/schedules/${formId}`)).json;
          assert.deepEqual(stored.timeWindow.windows[0], { start: hh(2), end: hh(4) });
          assert.equal(stored.window.open, false);
        },
      );

      await t.step(
        "4. pause, resume, run now (forced after confirming) and delete change the stored schedule",
        async () => {
          const status = async () => (await api(base, "GET", `/schedules/${formId}`)).json.status;
          await page.goto(`${base}/schedules/${formId}`, { waitUntil: "load" });
          await page.click(`form[action$="/pause"] button`);
          await until(status, (s) => s === "paused");
          await page.waitForFunction(() =>
            document.querySelector("h1 [data-status]")?.textContent === "paused"
          );
          await page.click(`form[action$="/resume"] button`);
          await until(status, (s) => s === "active");
          await page.click(`form[action$="/run"] button`); // the confirm() dialog is accepted
          const runs = await until(
            () => api(base, "GET", `/schedules/${formId}/runs`),
            (r) => r.json.items.length > 0,
          );
          assert.equal(runs.json.items[0].trigger, "manual");
          assert.equal(runs.json.items[0].forced, true);
          await page.waitForSelector("[data-notice] a");
          await shoot(w, base, `/schedules/${formId}`, "schedule");
          await shoot(w, base, `/schedules/${formId}/edit`, "edit");
          await shoot(w, base, "/schedules/new", "new");
          await shoot(w, base, "/cache", "cache");
          await page.goto(`${base}/schedules/${formId}`, { waitUntil: "load" });
          await page.click(`form[action$="/delete"] button`);
          await until(status, (s) => s === "deleted");
          await page.click("#hard");
          await page.type("#confirm-name", "form-made");
          await clickAndWait(page, `form[action$="/delete"] button`);
          assert.equal(new URL(page.url()).pathname, "/");
          assert.equal((await api(base, "GET", `/schedules/${formId}`)).status, 404);
        },
      );

      await t.step(
        "6. overview screenshots; every request same-origin; no console or page errors",
        async () => {
          await shoot(w, base, "/", "overview");
          await docsShot(page, "dashboard-overview.png");
          const origin = new URL(base).origin;
          const foreign = w.requests.filter((u) => new URL(u).origin !== origin);
          assert.deepEqual(foreign, []);
          // the browser logs every 4xx answer; these two are the ones the steps above asked for
          // (the form's 422 with the bad cron, the 409 before forcing a run outside the window)
          const expected = [
            /status of 422 .* @ http:\/\/[^/]+\/schedules\/new$/,
            /status of 409 .* @ http:\/\/[^/]+\/schedules\/[0-9A-Z]+$/,
          ];
          assert.deepEqual(w.errors.filter((e) => !expected.some((re) => re.test(e))), []);
        },
      );
    } finally {
      console.log(`screenshots in ${SHOTS}`);
      await env.close();
    }
  },
});
