/**
 * Test support for interop tests with the real Python huggingface_hub (`../shared/pyhf`): runs
 * Python code or the `hf` CLI offline against a local (fake) hub with an isolated HF_HOME, and
 * registers tests that skip with a printed notice where python3 or the folder is absent.
 *
 * @example
 * ```ts
 * pyhfTest("python downloads from the fake hub", async () => {
 *   const out = await runPythonJson(
 *     "import json, huggingface_hub as h; print(json.dumps(h.snapshot_download('acme/x')))",
 *     { endpoint: hub.url, hfHome },
 *   );
 * });
 * ```
 * @module
 */
import { fileURLToPath } from "node:url";

/** `../shared/pyhf` from the project root: huggingface_hub 1.28 and its dependencies. */
export const PYHF_DIR = fileURLToPath(new URL("../../../shared/pyhf", import.meta.url));

/** What a finished Python process left. */
export interface PyResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where and how Python runs. */
export interface PyOptions {
  /** HF_ENDPOINT: a local hub; never the real one. */
  endpoint: string;
  /** HF_HOME (the cache is `<hfHome>/hub` unless `env.HF_HUB_CACHE` says otherwise). */
  hfHome: string;
  /** More environment (HF_TOKEN, HF_HUB_OFFLINE, ...); wins over the defaults. */
  env?: Record<string, string>;
  cwd?: string;
  /** Arguments after the script (`sys.argv[1:]`). */
  args?: string[];
}

let skipReason: string | undefined | null = null;

/** Why Python interop tests cannot run here (no python3 or no pyhf folder), or undefined. */
export function pyhfSkipReason(): string | undefined {
  if (skipReason !== null) return skipReason;
  try {
    Deno.statSync(`${PYHF_DIR}/huggingface_hub/__init__.py`);
  } catch {
    return skipReason = `${PYHF_DIR} (the real huggingface_hub) is absent`;
  }
  try {
    const out = new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    skipReason = out.success ? undefined : "python3 does not run";
  } catch {
    skipReason = "python3 is not installed";
  }
  return skipReason;
}

/** `Deno.test` that is skipped, with a printed notice, when Python interop cannot run. */
export function pyhfTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  const reason = pyhfSkipReason();
  if (reason) console.log(`skipping "${name}": ${reason}`);
  Deno.test({ name, ignore: reason !== undefined, fn });
}

const decoder = new TextDecoder();

function pythonEnv(options: PyOptions): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: options.hfHome,
    PYTHONPATH: PYHF_DIR,
    PYTHONDONTWRITEBYTECODE: "1",
    HF_ENDPOINT: options.endpoint,
    HF_HOME: options.hfHome,
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_DISABLE_UPDATE_CHECK: "1",
    HF_HUB_DISABLE_PROGRESS_BARS: "1",
    HF_HUB_DISABLE_IMPLICIT_TOKEN: "1",
    ...options.env,
  };
}

async function run(args: string[], options: PyOptions): Promise<PyResult> {
  const out = await new Deno.Command("python3", {
    args,
    cwd: options.cwd,
    env: pythonEnv(options),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Runs `python3 -c script` with pyhf on the path and HF_* pointing at the local hub. */
export function runPython(script: string, options: PyOptions): Promise<PyResult> {
  return run(["-c", script, ...(options.args ?? [])], options);
}

/** Runs the `hf` CLI (`python3 -m huggingface_hub.cli.hf ARGS...`). */
export function runHf(args: string[], options: Omit<PyOptions, "args">): Promise<PyResult> {
  return run(["-m", "huggingface_hub.cli.hf", ...args], options);
}

/**
 * Runs `script`, which must print one JSON value as its last stdout line; returns it parsed.
 * Throws with Python's stderr when the script fails.
 */
export async function runPythonJson<T = unknown>(script: string, options: PyOptions): Promise<T> {
  const result = await runPython(script, options);
  if (result.code !== 0) {
    throw new Error(`python exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  }
  const last = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python printed no JSON last line:\n${result.stdout}\n${result.stderr}`);
  }
}
