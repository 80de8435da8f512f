/**
 * Running the programs a benchmark compares, from spawn to exit: wall time, exit status and
 * the peak resident set size (VmHWM, polled from /proc while it runs), and finding tools.
 *
 * @example
 * ```ts
 * const run = await timeProcess("curl", ["-s", "-o", "f", url]);
 * console.log(run.ms, run.peakKiB);
 * ```
 * @module
 */
import { join } from "node:path";

/** What one run of a program cost. */
export interface ProcessRun {
  /** Wall time from spawn to exit. */
  ms: number;
  /** Highest VmHWM seen while it ran (KiB); 0 if it ended before the first look. */
  peakKiB: number;
}

/** Options of {@link timeProcess}. */
export interface ProcessOptions {
  cwd?: string;
  /** Added to (or, with `clearEnv`, instead of) the benchmark's environment. */
  env?: Record<string, string>;
  /** Variables to remove from the inherited environment. */
  unset?: string[];
  /** How often to read /proc/<pid>/status for the peak RSS; default 10 ms. */
  pollMs?: number;
}

/** Runs `cmd args` to exit; throws with its stderr when it fails. */
export async function timeProcess(
  cmd: string,
  args: string[],
  options: ProcessOptions = {},
): Promise<ProcessRun> {
  const env = { ...Deno.env.toObject(), ...options.env };
  for (const name of options.unset ?? []) delete env[name];
  const start = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peakKiB = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`).catch(() => "");
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      await new Promise((r) => setTimeout(r, options.pollMs ?? 10));
    }
  })();
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  const ms = performance.now() - start;
  running = false;
  await poll;
  if (!status.success) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${status.code}: ${stderr.slice(-2000)}`);
  }
  return { ms, peakKiB };
}

/** Whether `path` is an executable file. */
export async function executable(path: string): Promise<boolean> {
  try {
    return ((await Deno.stat(path)).mode ?? 0) & 0o111 ? true : false;
  } catch {
    return false;
  }
}

/** Full path of `tool` on PATH, or undefined. */
export async function which(tool: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    if (await executable(join(dir, tool))) return join(dir, tool);
  }
  return undefined;
}

/** Size in bytes of every file below `dir` (symlinks followed), and how many there are. */
export async function treeSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      const inner = await treeSize(path);
      files += inner.files;
      bytes += inner.bytes;
    } else {
      files++;
      bytes += (await Deno.stat(path)).size;
    }
  }
  return { files, bytes };
}
