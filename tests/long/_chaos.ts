/**
 * Shared pieces of the long suites: a seeded random source (seed printed, `CHAOS_SEED` to
 * replay), a multi-file fixture repo, on-disk verification against the fake hub, and the
 * per-byte count of how often the hub served each range.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { FakeHub, FakeRepoSpec, HubRequest } from "../../fixtures/fake_hub.ts";
import { listTree } from "../_tree.ts";

/** Every regular file and symlink under a folder: {@link listTree} of ../_tree.ts. */
export { listTree };

/** A seeded random source (mulberry32): the same seed replays the same chaos. */
export interface Chaos {
  seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** The suite's random source; the seed comes from `CHAOS_SEED` or the clock and is printed. */
export function chaos(suite: string): Chaos {
  const given = Deno.env.get("CHAOS_SEED");
  const seed = given && /^\d+$/.test(given) ? Number(given) >>> 0 : (Date.now() ^ 0x5eed) >>> 0;
  console.log(`${suite}: CHAOS_SEED=${seed}`);
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

const MIB = 1024 * 1024;

/** `acme/chaos`: two small git files, one larger git file and five LFS files (about 40 MiB). */
export function chaosRepo(): FakeRepoSpec {
  return {
    id: "acme/chaos",
    branches: {
      main: [
        { path: "config.json", content: '{"model_type":"chaos"}\n' },
        { path: "README.md", content: "# chaos\n" },
        { path: "vocab.txt", size: 300 * 1024 + 7, seed: "chaos-vocab", lfs: false },
        { path: "a.safetensors", size: 2 * MIB + 11, seed: "chaos-a", lfs: true },
        { path: "b.safetensors", size: 5 * MIB + 3, seed: "chaos-b", lfs: true },
        { path: "c/d.safetensors", size: 9 * MIB + 1, seed: "chaos-c", lfs: true },
        { path: "e.bin", size: 11 * MIB + 5, seed: "chaos-e", lfs: true },
        { path: "f.bin", size: 13 * MIB + 9, seed: "chaos-f", lfs: true },
      ],
    },
  };
}

/** Paths of {@link chaosRepo}. */
export const CHAOS_FILES = chaosRepo().branches.main.map((f) => f.path);

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Where a repo file lands: `local-dir` or the hf-cache snapshot of `commit`. */
export function finalPath(
  layout: "local-dir" | "hf-cache",
  root: string,
  repoId: string,
  commit: string,
  path: string,
): string {
  if (layout === "local-dir") return join(root, path);
  return join(root, `models--${repoId.replace("/", "--")}`, "snapshots", commit, path);
}

/**
 * Asserts that every file present under its final name is complete and verified; with
 * `complete`, also that every file is there and no partial file is left.
 */
export async function assertFinalFiles(
  hub: FakeHub,
  repoId: string,
  layout: "local-dir" | "hf-cache",
  root: string,
  paths: string[],
  complete: boolean,
): Promise<number> {
  const commit = hub.commitOf(repoId, "main");
  let present = 0;
  for (const path of paths) {
    const file = finalPath(layout, root, repoId, commit, path);
    let exists = true;
    try {
      await Deno.stat(file);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      exists = false;
    }
    if (!exists) {
      assert.ok(!complete, `${path} missing after a successful run`);
      continue;
    }
    present++;
    assert.equal(await sha256File(file), hub.fileInfo(repoId, path).sha256, `${path} verifies`);
  }
  if (complete) {
    const partial = (await listTree(root)).filter((p) =>
      p.endsWith(".part") || p.endsWith(".incomplete") || p.includes(".part.") ||
      p.includes(".nightpull")
    );
    assert.deepEqual(partial, [], "no partial file left after success");
  }
  return present;
}

/** The byte range a logged request was served: from its `Range` start, `bodyBytes` long. */
export function servedRange(r: HubRequest): [number, number] {
  const start = r.range ? Number(/bytes=(\d+)-/.exec(r.range)?.[1] ?? 0) : 0;
  return [start, start + r.bodyBytes];
}

/** Largest number of times any byte of `file` was served among `requests`. */
export function maxFetches(requests: HubRequest[], file: string): number {
  const edges = new Map<number, number>();
  for (const r of requests) {
    if (r.file !== file || r.method !== "GET" || r.bodyBytes === 0) continue;
    const [start, end] = servedRange(r);
    edges.set(start, (edges.get(start) ?? 0) + 1);
    edges.set(end, (edges.get(end) ?? 0) - 1);
  }
  let depth = 0;
  let max = 0;
  for (const at of [...edges.keys()].sort((a, b) => a - b)) {
    depth += edges.get(at)!;
    max = Math.max(max, depth);
  }
  return max;
}

export { sleepUntil } from "../e2e/_replicas.ts";
