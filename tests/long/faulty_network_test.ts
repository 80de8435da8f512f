/**
 * Faulty network: pulls of a multi-file repo from the fake hub while it cuts connections,
 * stalls, answers 429 and 5xx (file and API requests) and corrupts bodies, at random. Every
 * run ends `succeeded` with every file verified, or failed with the code of a fault that was
 * injected (`checksum_mismatch`, `network_error`, `rate_limited`, `upstream_error`); never is
 * a corrupt or partial file under a final name; a clean pull afterwards completes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type FaultSpec, standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { resolveConfig } from "../../src/config.ts";
import { pull } from "../../src/download/pull/pull.ts";
import { toNightpullError } from "../../src/errors.ts";
import { assertFinalFiles, chaos, CHAOS_FILES, chaosRepo } from "./_chaos.ts";

const RUNS = Number(Deno.env.get("CHAOS_RUNS") ?? 16);
const REPO = "acme/chaos";

type Kind = "cut" | "stall" | "429" | "500" | "corrupt" | "api429" | "api500";

/** The codes a run may fail with when these kinds of faults were injected. */
const CODES: Record<Kind, string[]> = {
  cut: ["network_error", "size_mismatch"],
  stall: ["stalled"],
  "429": ["rate_limited"],
  "500": ["upstream_error"],
  corrupt: ["checksum_mismatch"],
  api429: ["rate_limited"],
  api500: ["upstream_error"],
};

Deno.test(`faulty network: ${RUNS} pulls under random cuts, stalls, 429s, 5xx and corruption`, async () => {
  const rnd = chaos("faulty network");
  const hub = await startFakeHub({ repos: [...standardRepos(), chaosRepo()] });
  const tmp = await Deno.makeTempDir({ prefix: "nightpull-faulty-" });
  const env = { HOME: tmp, HF_HOME: join(tmp, "hf"), HF_ENDPOINT: hub.url };
  const config = resolveConfig({ data: join(tmp, "data"), timezone: "UTC" }, env);
  const kv = await Deno.openKv(join(tmp, "nightpull.kv"));
  const lfs = CHAOS_FILES.filter((p) => hub.fileInfo(REPO, p).lfs);
  const lines: string[] = [];
  let root = "";
  let layout: "local-dir" | "hf-cache" = "local-dir";
  let resumeNext = false;
  try {
    for (let i = 0; i < RUNS; i++) {
      // a run after a failure resumes what it left; after a success the next starts afresh
      if (!resumeNext) {
        layout = rnd.pick(["local-dir", "hf-cache"] as const);
        root = join(tmp, `root-${i}`);
      }
      hub.clearFaults();
      const kinds = new Set<Kind>();
      const faults = rnd.int(1, 4);
      for (let f = 0; f < faults; f++) {
        const kind = i % 4 === 1 && f === 0
          ? rnd.pick(["cut", "429", "500", "corrupt"] as const)
          : rnd.pick(["cut", "stall", "429", "500", "corrupt", "api429", "api500"] as const);
        kinds.add(kind);
        const path = rnd.next() < 0.7 ? rnd.pick(lfs) : undefined;
        const size = path ? hub.fileInfo(REPO, path).size : 1 << 20;
        // every fourth run has a fault that outlasts the retries (a 429 with t=1 waits 2 s each)
        const times = i % 4 === 1 && f === 0 ? 8 : rnd.int(1, 3);
        const spec: FaultSpec = kind === "cut"
          ? { path, times, cutAfterBytes: rnd.int(0, size - 1) }
          : kind === "stall"
          ? { path, times, stallAfterBytes: rnd.int(0, size - 1), stallMs: rnd.int(200, 1500) }
          : kind === "429"
          ? { path, times, status: 429, retryAfter: 1 }
          : kind === "500"
          ? { path, times, status: rnd.pick([500, 502, 503] as const) }
          : kind === "corrupt"
          ? { path, times, corrupt: true }
          : kind === "api429"
          ? { api: true, times: rnd.int(1, 2), status: 429, retryAfter: 1 }
          : { api: true, times: rnd.int(1, 2), status: 500 };
        hub.addFault(spec);
      }
      const from = hub.requests.length;
      let outcome: string;
      try {
        const report = await pull(
          { source: `hf:${REPO}`, layout, dir: root, connections: rnd.pick([1, 4, 8]) },
          // a short rate-limit budget, so a 429 that keeps coming fails rate_limited in seconds
          { config, kv, env, signal: AbortSignal.timeout(90_000), rateLimitBudgetMs: 6_000 },
        );
        assert.equal(report.files.total, CHAOS_FILES.length);
        await assertFinalFiles(hub, REPO, layout, root, CHAOS_FILES, true);
        outcome = `succeeded (${report.files.done} fetched, ${report.files.skipped} present)`;
        resumeNext = false;
      } catch (err) {
        const e = toNightpullError(err);
        const allowed = [...kinds].flatMap((k) => CODES[k]);
        assert.ok(
          allowed.includes(e.code),
          `run ${i} with ${[...kinds]} failed with ${e.code}: ${e.message}`,
        );
        const present = await assertFinalFiles(hub, REPO, layout, root, CHAOS_FILES, false);
        outcome = `failed ${e.code} (${present} files verified in place)`;
        resumeNext = true;
      }
      await hub.settled();
      const statuses = hub.requests.slice(from).filter((q) => q.status >= 400).length;
      lines.push(`#${i} ${layout} [${[...kinds].join(",")}] ${statuses} error answers: ${outcome}`);
    }
    hub.clearFaults();
    const last = await pull({ source: `hf:${REPO}`, layout, dir: root }, { config, kv, env });
    assert.equal(last.files.total, CHAOS_FILES.length);
    await assertFinalFiles(hub, REPO, layout, root, CHAOS_FILES, true);
    console.log(`faulty network:\n  ${lines.join("\n  ")}`);
  } finally {
    kv.close();
    await hub.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
