/// <reference lib="dom" />
/**
 * Chromium from Debian driven by puppeteer-core, for the dashboard's browser tests: one
 * headless browser, pages that record every request, console error and page error, and a
 * check for horizontal overflow. Tests skip (with a notice) where Chromium is absent.
 * @module
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** True when Chromium is installed; prints why the browser tests skip otherwise. */
export function chromiumPresent(): boolean {
  try {
    Deno.statSync(CHROMIUM);
    return true;
  } catch {
    console.log(`notice: ${CHROMIUM} not found; skipping the dashboard browser tests`);
    return false;
  }
}

/** Starts headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-first-run"],
    headless: true,
  });
}

/** A page and what it did: every request URL, console errors, uncaught page errors. */
export interface WatchedPage {
  page: Page;
  requests: string[];
  errors: string[];
}

/** A new page at `width`×`height` that records requests and errors; dialogs are accepted. */
export async function watchedPage(browser: Browser, width = 1280, height = 800) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const watched: WatchedPage = { page, requests: [], errors: [] };
  page.on("request", (r) => watched.requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") watched.errors.push(`console: ${m.text()} @ ${page.url()}`);
  });
  page.on("pageerror", (e) => watched.errors.push(`page: ${(e as Error).message} @ ${page.url()}`));
  page.on("dialog", (d) => void d.accept());
  return watched;
}

/** How far the document is wider than the viewport (0 when nothing overflows). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return await page.evaluate(() =>
    Math.max(0, document.documentElement.scrollWidth - globalThis.innerWidth)
  );
}

/** The page's text content. */
export async function pageText(page: Page): Promise<string> {
  return await page.evaluate(() => document.body.innerText);
}
