/**
 * Download chaos: 20 iterations, each SIGKILLs a download of a multi-file repo at a random
 * point (`nightpull pull` mostly, `serve` running a one-off download every fifth time; some
 * kills right after a file's rename), then restarts it. After every kill the files under their
 * final names verify; after every restart the run completes, every file verifies, no partial
 * file is left, and no byte of any file was served more than twice. Every other iteration a
 * second writer shares the target: another `pull` (own data dir, so own KV) started alongside
 * the killed `pull` or `serve` run; the file locks keep them from writing one file twice, the
 * survivor takes over what the killed one left, and it exits 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Run } from "../../src/store/records.ts";
import { startServe } from "../cli/_serve.ts";
import { type CliResult, type CliRig, cliRig, finish } from "../e2e/_pull_cli.ts";
import { api, until } from "../e2e/_occurrences.ts";
import {
  assertFinalFiles,
  chaos,
  CHAOS_FILES,
  chaosRepo,
  listTree,
  maxFetches,
  sleepUntil,
} from "./_chaos.ts";

const ITERATIONS = Number(Deno.env.get("CHAOS_ITERATIONS") ?? 20);
const REPO = "acme/chaos";
const LEASE_MS = 1500;

type Layout = "local-dir" | "hf-cache";

interface Plan {
  i: number;
  mode: "pull" | "serve";
  layout: Layout;
  connections: number;
  /** Kill this many ms after the start, or right after a file's rename. */
  kill: { afterMs: number } | { afterRename: true };
  /** A second `pull` into the same target runs alongside (and is not killed). */
  rival: boolean;
}

/** True once some large file of the iteration sits under its final name (it was renamed). */
async function renamed(r: CliRig, plan: Plan, root: string): Promise<boolean> {
  const big = CHAOS_FILES.filter((p) => r.hub.fileInfo(REPO, p).lfs);
  if (plan.layout === "local-dir") {
    for (const p of big) {
      try {
        await Deno.stat(join(root, p));
        return true;
      } catch { /* not yet */ }
    }
    return false;
  }
  const blobs = join(root, "models--acme--chaos", "blobs");
  const names = new Set(await listTree(blobs));
  return big.some((p) => names.has(r.hub.fileInfo(REPO, p).sha256));
}

/** Waits for the kill point of `plan` (or the end of the download) and returns how it ended. */
async function waitForKillPoint(
  r: CliRig,
  plan: Plan,
  root: string,
  exited: () => boolean,
): Promise<void> {
  const started = Date.now();
  const deadline = started + 60_000;
  for (;;) {
    if (exited() || Date.now() > deadline) return;
    if ("afterMs" in plan.kill) {
      if (Date.now() - started >= plan.kill.afterMs) return;
    } else if (await renamed(r, plan, root)) return;
    await new Promise((res) => setTimeout(res, 1));
  }
}

Deno.test(`download chaos: ${ITERATIONS} SIGKILLs at random offsets, every restart completes verified`, async () => {
  const rnd = chaos("download chaos");
  const r = await cliRig();
  r.hub.setRepo(chaosRepo());
  const total = CHAOS_FILES.reduce((s, p) => s + r.hub.fileInfo(REPO, p).size, 0);
  const outcomes: string[] = [];
  try {
    // Loopback moves the repo in a fraction of a second: each LFS body pauses once at a random
    // offset, so kills spread over byte offsets rather than land before or after the transfer.
    const pauses = () => {
      for (const path of CHAOS_FILES) {
        const info = r.hub.fileInfo(REPO, path);
        if (!info.lfs) continue;
        const at = rnd.int(0, info.size - 1);
        r.hub.addFault({ path, stallAfterBytes: at, stallMs: rnd.int(100, 400), times: 1 });
      }
    };
    // a clean pull measures how long one takes, so kill times spread over its whole length
    pauses();
    const t0 = Date.now();
    const clean = await r.run(["pull", `hf:${REPO}`, "--local-dir", join(r.tmp, "clean")], {
      NIGHTPULL_DATA: join(r.tmp, "clean-data"),
    });
    assert.equal(clean.code, 0, clean.stderr);
    const fullMs = Date.now() - t0;
    r.hub.clearFaults();
    await Deno.remove(join(r.tmp, "clean"), { recursive: true });
    for (let i = 0; i < ITERATIONS; i++) {
      const plan: Plan = {
        i,
        mode: i % 5 === 4 ? "serve" : "pull",
        layout: rnd.pick(["local-dir", "hf-cache"] as const),
        connections: rnd.pick([1, 4, 8]),
        kill: i % 4 === 3 ? { afterRename: true } : { afterMs: rnd.int(0, fullMs) },
        rival: i % 2 === 1 || i % 5 === 4,
      };
      const root = join(r.tmp, `it-${i}`, "files");
      const data = join(r.tmp, `it-${i}`, "data");
      const from = r.hub.requests.length;
      pauses();
      const killedAt = plan.mode === "pull"
        ? await pullIteration(r, plan, root, data, from)
        : await serveIteration(r, plan, root, data, from);
      const outcome = `#${i} ${plan.mode} ${plan.layout} c=${plan.connections} ` +
        ("afterMs" in plan.kill ? `after ${plan.kill.afterMs} ms` : "after a rename") +
        (plan.rival ? " with a rival pull" : "") +
        `: ${killedAt === null ? "finished first" : `killed with ${killedAt} bytes served`}`;
      outcomes.push(outcome);
      const served = r.hub.requests.slice(from);
      for (const path of CHAOS_FILES) {
        const times = maxFetches(served, path);
        assert.ok(times <= 2, `${outcome}: a byte of ${path} was served ${times} times`);
      }
      try {
        await assertFinalFiles(r.hub, REPO, plan.layout, root, CHAOS_FILES, true);
      } catch (err) {
        throw new Error(`${outcome}: ${(err as Error).message}`);
      }
      await Deno.remove(join(r.tmp, `it-${i}`), { recursive: true });
    }
    console.log(
      `download chaos (repo ${total} bytes, a clean pull ${fullMs} ms):\n  ${
        outcomes.join("\n  ")
      }`,
    );
  } finally {
    await r.close();
  }
});

function pullArgs(plan: Plan, root: string): string[] {
  return [
    "pull",
    `hf:${REPO}`,
    plan.layout === "local-dir" ? "--local-dir" : "--cache-dir",
    root,
    "--connections",
    String(plan.connections),
    "--quiet",
  ];
}

/** A second writer into the same target, with its own data dir (so its own KV). */
function startRival(r: CliRig, plan: Plan, root: string, data: string) {
  if (!plan.rival) return undefined;
  return finish(r.spawn(pullArgs(plan, root), { NIGHTPULL_DATA: `${data}-rival` }));
}

/** The rival survives the kill: it finishes, everything it reports is there and verified. */
async function settleRival(r: CliRig, plan: Plan, root: string, rival?: Promise<CliResult>) {
  if (!rival) return;
  const done = await rival;
  assert.equal(done.code, 0, `iteration ${plan.i} rival: ${done.stderr}`);
  await r.hub.settled();
  await assertFinalFiles(r.hub, REPO, plan.layout, root, CHAOS_FILES, true);
}

/** Kills `nightpull pull`, checks what it left, re-runs it. Returns the served bytes at death. */
async function pullIteration(
  r: CliRig,
  plan: Plan,
  root: string,
  data: string,
  from: number,
): Promise<number | null> {
  const args = pullArgs(plan, root);
  const env = { NIGHTPULL_DATA: data };
  const child = r.spawn(args, env);
  const rival = startRival(r, plan, root, data);
  let exited = false;
  const ended = finish(child).finally(() => exited = true);
  await waitForKillPoint(r, plan, root, () => exited);
  if (!exited) child.kill("SIGKILL");
  const first = await ended;
  await r.hub.settled();
  r.hub.clearFaults();
  let killedAt: number | null = null;
  if (first.code === 137) {
    killedAt = r.hub.requests.slice(from).reduce((s, q) => s + q.bodyBytes, 0);
    await assertFinalFiles(r.hub, REPO, plan.layout, root, CHAOS_FILES, false);
  } else {
    assert.equal(first.code, 0, `iteration ${plan.i}: ${first.stderr}`);
  }
  await settleRival(r, plan, root, rival);
  const again = await r.run(args, env);
  assert.equal(again.code, 0, `iteration ${plan.i} restart: ${again.stderr}`);
  return killedAt;
}

/** Kills `serve` during a one-off download, restarts it, waits for the recovered run. */
async function serveIteration(
  r: CliRig,
  plan: Plan,
  root: string,
  data: string,
  from: number,
): Promise<number | null> {
  const args = ["--data", data, "--timezone", "UTC"];
  const env = r.env({ NIGHTPULL_TOKEN: "", NIGHTPULL_LEASE_MS: String(LEASE_MS) });
  let serve = await startServe(args, env);
  const body = {
    source: `hf:${REPO}`,
    layout: plan.layout,
    dir: root,
    connections: plan.connections,
  };
  const run = await api<Run>(`${serve.url}/api/v1/downloads`, "POST", body);
  const rival = startRival(r, plan, root, data);
  let exited = false;
  serve.child.status.finally(() => exited = true);
  await waitForKillPoint(r, plan, root, () => exited);
  const killedAt = Date.now();
  serve.child.kill("SIGKILL");
  await serve.stop("SIGKILL").catch(() => {});
  await r.hub.settled();
  r.hub.clearFaults();
  const servedAtKill = r.hub.requests.slice(from).reduce((s, q) => s + q.bodyBytes, 0);
  await assertFinalFiles(r.hub, REPO, plan.layout, root, CHAOS_FILES, false);
  await settleRival(r, plan, root, rival);
  // restart once the dead process's lease has expired, so the start-up sweep recovers the run
  await sleepUntil(killedAt + LEASE_MS + 100);
  serve = await startServe(args, env);
  try {
    const done = await until(
      () => api<Run>(`${serve.url}/api/v1/runs/${run.id}`),
      (x) => x.status === "succeeded" || x.status === "failed",
      60_000,
      `run ${run.id} to finish after the restart`,
    );
    assert.equal(done.status, "succeeded", JSON.stringify(done));
    assert.equal(done.files.total, CHAOS_FILES.length);
  } finally {
    assert.equal(await serve.stop("SIGTERM"), 0, serve.log());
  }
  return servedAtKill;
}
