/**
 * Several `serve` processes sharing one KV file, for the exactly-once tests: start them, kill
 * one with SIGKILL, restart it, stop them all. Leases are short so a killed process's runs are
 * recovered within seconds.
 */
import { join } from "node:path";
import { type ServeProcess, startServe } from "../cli/_serve.ts";

/** Replicas of `serve` on one KV; `procs[i]` is null while process i is down. */
export interface Replicas {
  kvPath: string;
  procs: (ServeProcess | null)[];
  /** The API base of any live process. */
  base(): string;
  /** SIGKILLs process i and waits for it to be gone; returns the signal it died of. */
  kill(i: number): Promise<Deno.Signal | null>;
  /** Starts process i again on the same KV. */
  restart(i: number): Promise<void>;
  /** SIGTERMs every live process; returns their exit codes. */
  stopAll(): Promise<number[]>;
}

/** Starts `count` replicas against the hub at `hubUrl`, with their state under `dir`. */
export async function startReplicas(hubUrl: string, dir: string, count = 3): Promise<Replicas> {
  const kvPath = join(dir, "shared.kv");
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hubUrl,
    NIGHTPULL_TOKEN: "",
    NIGHTPULL_LEASE_MS: "2000",
  };
  const start = (i: number) =>
    startServe(["--data", join(dir, `data-${i}`), "--kv", kvPath, "--timezone", "UTC"], env);
  const procs: (ServeProcess | null)[] = [];
  for (let i = 0; i < count; i++) procs.push(await start(i));
  return {
    kvPath,
    procs,
    base: () => `${procs.find((p) => p)!.url}/api/v1`,
    async kill(i) {
      const p = procs[i]!;
      procs[i] = null;
      p.child.kill("SIGKILL");
      const { signal } = await p.child.status;
      await p.stop("SIGKILL").catch(() => {});
      return signal;
    },
    async restart(i) {
      procs[i] = await start(i);
    },
    async stopAll() {
      const codes: number[] = [];
      for (let i = 0; i < procs.length; i++) {
        const p = procs[i];
        procs[i] = null;
        if (p) codes.push(await p.stop("SIGTERM"));
      }
      return codes;
    },
  };
}

/** Resolves at wall-clock `at` (ms): a scenario's timeline, not a wait for a result. */
export async function sleepUntil(at: number): Promise<void> {
  while (Date.now() < at) {
    await new Promise((r) => setTimeout(r, Math.max(1, at - Date.now())));
  }
}
