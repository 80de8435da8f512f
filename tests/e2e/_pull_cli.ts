/**
 * Test support for the pull end-to-end tests: the real `nightpull` CLI as a child process
 * against a fake hub, each with its own temp HOME, HF_HOME and data dir.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeHub, standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";

/** The repository root (where main.ts and deno.json live). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type { CliResult } from "../_support/cli.ts";
import type { CliResult } from "../_support/cli.ts";

/** A fake hub plus a temp home for CLI runs. */
export interface CliRig {
  hub: FakeHub;
  tmp: string;
  /** `$HF_HOME/hub`: where hf-cache pulls land. */
  hubCache: string;
  /** `NIGHTPULL_DATA`. */
  data: string;
  env(extra?: Record<string, string>): Record<string, string>;
  run(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  /** `deno task nightpull ARGS`: the CLI under the permissions the task grants. */
  runTask(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  spawn(args: string[], extra?: Record<string, string>): Deno.ChildProcess;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

/** Starts a fake hub with the standard repos and a fresh temp home. */
export async function cliRig(): Promise<CliRig> {
  const hub = await startFakeHub({ repos: standardRepos() });
  const tmp = await Deno.makeTempDir({ prefix: "np-e2e-" });
  const hfHome = join(tmp, "hf");
  const data = join(tmp, "data");
  // A clean environment: no HF_TOKEN or token file of the machine running the tests, but the
  // runtime's own cache so the child needs no network.
  const base: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: tmp,
    HF_HOME: hfHome,
    HF_ENDPOINT: hub.url,
    NIGHTPULL_DATA: data,
    NO_COLOR: "1",
  };
  const denoDir = Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  base.DENO_DIR = denoDir;
  const env = (extra: Record<string, string> = {}) => ({ ...base, ...extra });
  const command = (args: string[], extra?: Record<string, string>, viaTask = false) =>
    new Deno.Command(Deno.execPath(), {
      args: viaTask
        ? ["task", "--quiet", "nightpull", ...args]
        : ["run", "--allow-all", "main.ts", ...args],
      cwd: REPO_ROOT,
      env: env(extra),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  return {
    hub,
    tmp,
    hubCache: join(hfHome, "hub"),
    data,
    env,
    async run(args, extra) {
      const out = await command(args, extra).output();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    },
    async runTask(args, extra) {
      const out = await command(args, extra, true).output();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    },
    spawn: (args, extra) => command(args, extra).spawn(),
    async close() {
      await hub.close();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

/** Collects a child's output and exit code after it ends (killed or not). */
export async function finish(child: Deno.ChildProcess): Promise<CliResult> {
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Size of a file, 0 when absent. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}
