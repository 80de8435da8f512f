/**
 * Shared set-up of the fetcher tests: a fake hub with the standard repos, a temp dir, and the
 * resolve URL / expectations of a fixture file. Everything is torn down after each test.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NightpullError } from "../../src/errors.ts";
import {
  bigRepo,
  type FakeHub,
  FIXTURE_TOKEN,
  type HubRequest,
  standardRepos,
  startFakeHub,
} from "../../fixtures/fake_hub.ts";
import type { FetchFileOptions } from "../../src/download/transfer/fetcher.ts";

/** The ~2 MiB LFS file of acme/tiny-model (served by the CDN origin after a 302). */
export const LFS_FILE = "model.safetensors";

/** One test's world. */
export interface FetchEnv {
  hub: FakeHub;
  dir: string;
  /** Resolve URL of `path` in acme/tiny-model@main. */
  url(path?: string): string;
  /** Size and hashes of `path`. */
  info(path?: string): { size: number; sha256: string; gitSha1: string; lfs: boolean };
  bytes(path?: string): Uint8Array;
  /** fetchFile options for `path` into the temp dir, fast retries, hub token sent. */
  options(path?: string, extra?: Partial<FetchFileOptions>): FetchFileOptions;
  /** Logged GETs that served a body of `path` (after in-flight requests settled). */
  bodyRequests(path?: string): Promise<HubRequest[]>;
}

/** Runs `fn` with a fresh fake hub and temp dir, cleaning both up. */
export async function withFetchEnv(fn: (env: FetchEnv) => Promise<void>): Promise<void> {
  const hub = await startFakeHub({ repos: standardRepos() });
  const dir = await Deno.makeTempDir({ prefix: "nightpull-fetch-" });
  const env: FetchEnv = {
    hub,
    dir,
    url: (path = LFS_FILE) => `${hub.url}/acme/tiny-model/resolve/main/${path}`,
    info: (path = LFS_FILE) => hub.fileInfo("acme/tiny-model", path),
    bytes: (path = LFS_FILE) => hub.fileBytes("acme/tiny-model", path),
    options: (path = LFS_FILE, extra = {}) => {
      const name = path.split("/").pop()!;
      return {
        url: env.url(path),
        headers: { authorization: `Bearer ${FIXTURE_TOKEN}` },
        partPath: join(dir, `${name}.part`),
        finalPath: join(dir, "out", name),
        connections: 1,
        retryDelay: () => 1,
        ...extra,
      };
    },
    bodyRequests: async (path = LFS_FILE) => {
      await hub.settled();
      return hub.requests.filter((r) => r.method === "GET" && r.file === path);
    },
  };
  try {
    await fn(env);
  } finally {
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Awaits `promise`, asserting it rejects with a NightpullError (any code); returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<NightpullError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NightpullError, `expected NightpullError, got ${err}`);
    return err;
  }
  assert.fail("expected a rejection");
}

/** Awaits `promise`, asserting it rejects with a NightpullError of `code`; returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
): Promise<NightpullError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NightpullError, `expected NightpullError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

/**
 * The `Range` headers of `requests` by start offset (none first): the log is in order of
 * completion, and a body cut by the client may complete after the request that resumed it.
 */
export function rangesByStart(requests: HubRequest[]): (string | null)[] {
  const start = (range: string | null) => range === null ? -1 : Number(/\d+/.exec(range)?.[0]);
  return requests.map((r) => r.range).sort((a, b) => start(a) - start(b));
}

/**
 * acme/big with a `size`-byte big.bin on the hub, and fetchFile options for it into the temp
 * dir (hub token sent, fast retries); `extra` sets connections, split size and the rest.
 */
export function bigFile(env: FetchEnv, size: number, extra: Partial<FetchFileOptions> = {}) {
  env.hub.setRepo(bigRepo(size));
  const info = env.hub.fileInfo("acme/big", "big.bin");
  const options: FetchFileOptions = {
    url: `${env.hub.url}/acme/big/resolve/main/big.bin`,
    headers: { authorization: `Bearer ${FIXTURE_TOKEN}` },
    partPath: join(env.dir, "big.bin.part"),
    finalPath: join(env.dir, "out", "big.bin"),
    expected: { size: info.size, sha256: info.sha256 },
    retryDelay: () => 1,
    ...extra,
  };
  return { info, options, bytes: () => env.hub.fileBytes("acme/big", "big.bin") };
}
