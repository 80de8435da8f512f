/**
 * What the dashboard's browser tests share: a real `serve` process with a real KV file and the
 * fake hub, headless Chromium, API calls, polling, and screenshots at 1280×800 and 390×844
 * (to a temp dir; with NIGHTPULL_UPDATE_DOCS=1 the README ones also to docs/).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { isolatedEnv, ROOT, type ServeProcess, startServe } from "../cli/_serve.ts";
import {
  chromiumPresent,
  horizontalOverflow,
  launchBrowser,
  type WatchedPage,
} from "./_browser.ts";

/** Chromium is installed (else the browser tests skip, with a notice). */
export const present = chromiumPresent();
/** Where the screenshots go. */
export const SHOTS = present ? await Deno.makeTempDir({ prefix: "nightpull-shots-" }) : "";
const SIZES = [[1280, 800], [390, 844]] as const;

// deno-lint-ignore no-explicit-any
type Json = any;

/** An API call; the status and the parsed body. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Screenshots `path` at both sizes, failing on horizontal overflow at 390 px. */
export async function shoot(
  w: WatchedPage,
  base: string,
  path: string,
  name: string,
): Promise<void> {
  for (const [width, height] of SIZES) {
    await w.page.setViewport({ width, height });
    await w.page.goto(`${base}${path}`, { waitUntil: "load" });
    await w.page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
    if (width === 390) {
      assert.equal(await horizontalOverflow(w.page), 0, `${path} overflows at 390 px`);
    }
  }
}

/** With NIGHTPULL_UPDATE_DOCS=1, a 1280×800 screenshot for the README into docs/. */
export async function docsShot(page: Page, name: string): Promise<void> {
  if (Deno.env.get("NIGHTPULL_UPDATE_DOCS") !== "1") return;
  await Deno.mkdir(join(ROOT, "docs"), { recursive: true });
  await page.setViewport({ width: 1280, height: 800 });
  await page.screenshot({ path: join(ROOT, "docs", name) });
}

/** Clicks and waits for the navigation it causes. */
export const clickAndWait = async (page: Page, selector: string) => {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
};

/** A running serve, fake hub and browser. */
export interface Env {
  browser: Browser;
  serve: ServeProcess;
  base: string;
  dir: string;
  close(): Promise<void>;
}

/** Starts the fake hub, `nightpull serve` (with `token` if given) and Chromium. */
export async function start(token?: string): Promise<Env> {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-ui-" });
  const serve = await startServe(
    ["--data", dir, "--timezone", "UTC"],
    isolatedEnv(dir, { HF_ENDPOINT: hub.url, ...(token ? { NIGHTPULL_TOKEN: token } : {}) }),
  );
  const browser = await launchBrowser();
  return {
    browser,
    serve,
    base: serve.url,
    dir,
    close: async () => {
      await browser.close();
      await serve.stop("SIGTERM");
      await hub.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

export { until } from "../_support/wait.ts";
