/**
 * The pull path against a fake hub that behaves like huggingface.co and its mirrors (issue 11
 * items 1-6): listing without expand, mirror Link headers, rate limits in the hub's shape,
 * pinned files across CDN ETag changes, expired signed URLs, and the User-Agent.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type FakeHub,
  type FakeHubOptions,
  standardRepos,
  startFakeHub,
} from "../../fixtures/fake_hub.ts";
import { type Config, resolveConfig } from "../../src/config.ts";
import { pull, type PullEvent, type PullRequest } from "../../src/download/pull/pull.ts";
import { createLogger } from "../../src/log.ts";
import { metrics } from "../../src/metrics.ts";
import { USER_AGENT } from "../../src/version.ts";
import { rejection } from "./_fetch_env.ts";

const REPO = "acme/tiny-model";
const MODEL = "model.safetensors";

interface Rig {
  hub: FakeHub;
  config: Config;
  logs: string[];
  run(
    request: PullRequest,
    extra?: {
      onEvent?: (e: PullEvent) => void;
      rateLimitBudgetMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<{ report: Awaited<ReturnType<typeof pull>>; events: PullEvent[] }>;
}

async function withRig(
  fn: (r: Rig) => Promise<void>,
  options: Partial<FakeHubOptions> = {},
): Promise<void> {
  const hub = await startFakeHub({ repos: standardRepos(), ...options });
  const kv = await Deno.openKv(":memory:");
  const tmp = await Deno.makeTempDir({ prefix: "np-fidelity-" });
  const logs: string[] = [];
  const config = resolveConfig({ data: join(tmp, "data"), connections: "1" }, {
    HOME: tmp,
    HF_HOME: join(tmp, "hf"),
    HF_ENDPOINT: hub.url,
  });
  const logger = createLogger({ format: "json", level: "debug", write: (l) => logs.push(l) });
  try {
    await fn({
      hub,
      config,
      logs,
      async run(request, extra = {}) {
        const events: PullEvent[] = [];
        const report = await pull(request, {
          config,
          kv,
          env: {},
          logger,
          rateLimitBudgetMs: extra.rateLimitBudgetMs,
          signal: extra.signal,
          onEvent: (e) => {
            events.push(e);
            extra.onEvent?.(e);
          },
        });
        return { report, events };
      },
    });
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function snapshotSha(r: Rig, path: string): Promise<string> {
  const commit = r.hub.commitOf(REPO, "main");
  const dir = join(r.config.hubCache, "models--acme--tiny-model", "snapshots", commit);
  return sha256(await Deno.readFile(join(dir, path)));
}

Deno.test("a mirror's huggingface.co next links are followed on the mirror over 3+ pages; no expand", async () => {
  await withRig(async (r) => {
    const { report } = await r.run({ source: `hf:${REPO}`, include: ["*.json"] });
    assert.equal(report.files.total, 3);
    const pages = r.hub.requests.filter((q) => q.path.includes("/tree/"));
    assert.ok(pages.length >= 3, `${pages.length} pages`);
    for (const page of pages) {
      assert.equal(page.status, 200);
      assert.match(page.path, /[?&]expand=false(&|$)/);
      assert.doesNotMatch(page.path, /expand=true/i);
    }
    // Every page after the first came from a Link naming https://huggingface.co.
    assert.ok(pages.slice(1).every((q) => q.path.includes("cursor=")));
  }, { mirror: true, treePageSize: 2 });
});

Deno.test("every hub and CDN request carries User-Agent nightpull/<version>", async () => {
  await withRig(async (r) => {
    await r.run({ source: `hf:${REPO}` });
    await r.hub.settled();
    assert.match(USER_AGENT, /^nightpull\/\d+\.\d+\.\d+/);
    assert.ok(r.hub.requests.some((q) => q.origin === "cdn"));
    for (const q of r.hub.requests) assert.equal(q.userAgent, USER_AGENT, `${q.origin} ${q.path}`);
  });
});

Deno.test("a 429 with RateLimit t=2 and no Retry-After waits >= 2 s, visibly, and succeeds", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ api: true, status: 429, rateLimit: { t: 2 }, times: 1 });
    const before = metrics.rateLimitWaits.get({ host: new URL(r.hub.url).host });
    const started = performance.now();
    const { report, events } = await r.run({ source: `hf:${REPO}`, include: ["config.json"] });
    const elapsed = performance.now() - started;
    assert.equal(report.files.done, 1);
    assert.ok(elapsed >= 2000, `waited only ${elapsed} ms`);
    const limited = r.hub.requests.filter((q) => q.status === 429);
    assert.equal(limited.length, 1);
    const wait = events.find((e) => e.type === "wait");
    assert.ok(wait && wait.type === "wait");
    assert.equal(wait.by, "the hub");
    assert.equal(wait.seconds, 3); // t + 1, as huggingface_hub waits
    assert.equal(metrics.rateLimitWaits.get({ host: new URL(r.hub.url).host }) - before, 1);
    const logged = r.logs.map((l) => JSON.parse(l)).find((l) => l.event === "pull.rate_limited");
    assert.equal(logged?.seconds, 3);
    assert.equal(logged?.level, "warn");
  });
});

Deno.test("a 429 on the CDN waits on its RateLimit too, without counting as a failure", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ path: MODEL, status: 429, rateLimit: { t: 0 }, times: 3 });
    const { events } = await r.run({ source: `hf:${REPO}`, include: [MODEL] });
    assert.equal(await snapshotSha(r, MODEL), r.hub.fileInfo(REPO, MODEL).sha256);
    assert.equal(r.hub.requests.filter((q) => q.origin === "cdn" && q.status === 429).length, 3);
    assert.ok(events.some((e) => e.type === "wait" && e.seconds === 1));
  });
});

Deno.test("a 502 with RateLimit t=60 is retried on our own backoff, not after 60 s", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ api: true, status: 502, rateLimit: { t: 60, r: 10 }, times: 1 });
    r.hub.addFault({ path: MODEL, status: 502, rateLimit: { t: 60 }, times: 1 });
    const started = performance.now();
    const { events } = await r.run({ source: `hf:${REPO}`, include: [MODEL] });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
    assert.equal(r.hub.requests.filter((q) => q.status === 502).length, 2);
    assert.equal(events.filter((e) => e.type === "wait").length, 0);
    assert.equal(await snapshotSha(r, MODEL), r.hub.fileInfo(REPO, MODEL).sha256);
  });
});

Deno.test("a 429 whose reset lies beyond the wait budget fails rate_limited with the reset time", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ api: true, status: 429, rateLimit: { t: 3600 } });
    const started = Date.now();
    const err = await rejection(r.run({ source: `hf:${REPO}` }));
    assert.equal(err.code, "rate_limited");
    assert.match(err.message, /quota resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.match(err.message, /in 3601 s/);
    assert.match(err.message, /10 min rate-limit wait budget/);
    const resetAt = Date.parse(String(err.details?.resetAt));
    assert.ok(resetAt >= started + 3_600_000, String(err.details?.resetAt));
    assert.equal(r.hub.requests.filter((q) => q.status === 429).length, 1);
  });
});

Deno.test("waits add up against the budget: the one that overruns it fails", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ api: true, status: 429, rateLimit: { t: 0 } });
    const err = await rejection(
      r.run({ source: `hf:${REPO}` }, { rateLimitBudgetMs: 2500 }),
    );
    assert.equal(err.code, "rate_limited");
    // Two 1 s waits fit in 2.5 s, the third does not.
    assert.equal(r.hub.requests.filter((q) => q.status === 429).length, 3);
  });
});

Deno.test("a commit-pinned file keeps its part when the CDN's ETag changes mid-download", async () => {
  await withRig(async (r) => {
    const info = r.hub.fileInfo(REPO, MODEL);
    r.hub.addFault({ path: MODEL, cutAfterBytes: 700_000, times: 1 });
    let changed = false;
    const { report } = await r.run({ source: `hf:${REPO}`, include: [MODEL] }, {
      onEvent: (e) => {
        if (e.type === "progress" && e.bytes >= 700_000 && !changed) {
          changed = true; // the storage moved (e.g. to Xet): same bytes, another ETag
          r.hub.addFault({ path: MODEL, etag: '"xet-3f9a"' });
        }
      },
    });
    assert.ok(changed);
    assert.equal(await snapshotSha(r, MODEL), info.sha256);
    const bodies = r.hub.requests.filter((q) => q.origin === "cdn" && q.method === "GET");
    assert.deepEqual(bodies.map((q) => q.range), ["bytes=0-", "bytes=700000-"]);
    assert.equal(report.bytes, info.size, "no byte fetched twice");
  });
});

Deno.test("an expired signed CDN URL is re-resolved through the resolve URL in a pull", async () => {
  await withRig(async (r) => {
    const info = r.hub.fileInfo(REPO, MODEL);
    r.hub.addFault({ path: MODEL, cutAfterBytes: 600_000, times: 1 });
    let expired = false;
    const { report } = await r.run({ source: `hf:${REPO}`, include: [MODEL] }, {
      onEvent: (e) => {
        if (e.type === "progress" && e.bytes >= 600_000 && !expired) {
          expired = true; // the remembered signed URL is now past its Expires
          r.hub.addFault({ path: MODEL, expireSignedUrl: true, times: 1 });
        }
      },
    });
    assert.equal(await snapshotSha(r, MODEL), info.sha256);
    await r.hub.settled();
    const log = r.hub.requests
      .filter((q) => q.method === "GET" && (q.origin === "cdn" || q.path.includes("/resolve/")))
      .map((q) => `${q.origin} ${q.status} ${q.range}`);
    assert.deepEqual(log, [
      "hub 302 bytes=0-",
      "cdn 206 bytes=0-",
      "cdn 403 bytes=600000-",
      "hub 302 bytes=600000-",
      "cdn 206 bytes=600000-",
    ]);
    assert.equal(report.bytes, info.size);
  });
});

Deno.test("Ctrl+C during a long 429 wait on the listing ends the pull at once: interrupted", async () => {
  await withRig(async (r) => {
    r.hub.addFault({ api: true, status: 429, rateLimit: { t: 300 }, times: 1 });
    const controller = new AbortController();
    const started = performance.now();
    const err = await rejection(r.run({ source: `hf:${REPO}` }, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "wait") controller.abort();
      },
    }));
    assert.equal(err.code, "interrupted");
    assert.ok(performance.now() - started < 30_000);
  });
});
