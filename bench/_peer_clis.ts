/**
 * The command lines a user types, run as processes from start to exit: our `nightpull pull`
 * (`deno run` with the permissions of `deno task nightpull`) and the real Python
 * `hf download` from `../shared/pyhf`, copied into the run's work dir so Python can keep its
 * bytecode cache there (as an installed huggingface_hub does) instead of compiling every run.
 *
 * @example
 * ```ts
 * const hf = await pythonHf(work);
 * if (hf) await hf.download(["acme/twenty-files", "--cache-dir", dir], hubUrl);
 * await nightpull(["pull", "hf:acme/twenty-files", "--cache-dir", dir], hubUrl, work);
 * ```
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ProcessRun, timeProcess, which } from "./_process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PYHF = join(ROOT, "../shared/pyhf");

/** The permissions `deno task nightpull` grants (deno.json). */
const NIGHTPULL_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=statfs",
];

/** Runs `nightpull ARGS` as `deno task nightpull` would, with its state under `stateDir`. */
export function nightpull(args: string[], hubUrl: string, stateDir: string): Promise<ProcessRun> {
  return timeProcess(Deno.execPath(), ["run", ...NIGHTPULL_PERMISSIONS, "main.ts", ...args], {
    cwd: ROOT,
    env: {
      HF_ENDPOINT: hubUrl,
      HF_HOME: join(stateDir, "hf-home"),
      NIGHTPULL_DATA: join(stateDir, "nightpull-data"),
      NO_COLOR: "1",
    },
    unset: ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"],
  });
}

/** The Python `hf` CLI, ready to run. */
export interface PythonHf {
  /** `hf download ARGS` against `hubUrl`, start to exit. */
  download(args: string[], hubUrl: string, hfHome: string): Promise<ProcessRun>;
  /** huggingface_hub's version, for the notes. */
  version: string;
}

/**
 * Copies ../shared/pyhf into `work` and finds the real interpreter (not a pyenv shim, whose
 * shell start-up is no part of hf); a string saying why when python3 or pyhf is missing.
 */
export async function pythonHf(work: string): Promise<PythonHf | string> {
  const python3 = await which("python3");
  if (!python3) return "python3 missing";
  try {
    await Deno.stat(join(PYHF, "huggingface_hub"));
  } catch {
    return `${PYHF} missing`;
  }
  const home = join(work, "pyhf");
  await copyTree(PYHF, home);
  const probe = await new Deno.Command(python3, {
    args: ["-c", "import sys, huggingface_hub as h; print(sys.executable); print(h.__version__)"],
    env: { PYTHONPATH: home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!probe.success) return `python3 cannot import huggingface_hub: ${probe.stderr}`;
  const [executable, version] = new TextDecoder().decode(probe.stdout).trim().split("\n");
  return {
    version,
    download: (args, hubUrl, hfHome) =>
      timeProcess(executable, ["-m", "huggingface_hub.cli.hf", "download", ...args], {
        cwd: work,
        env: {
          PYTHONPATH: home,
          HF_ENDPOINT: hubUrl,
          HF_HOME: hfHome,
          HF_HUB_DISABLE_TELEMETRY: "1",
          HF_HUB_DISABLE_UPDATE_CHECK: "1",
          HF_HUB_DISABLE_PROGRESS_BARS: "1",
          NO_COLOR: "1",
        },
        // Its users have bytecode caches; an interop-test setting must not take them away.
        unset: ["PYTHONDONTWRITEBYTECODE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"],
      }),
  };
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "__pycache__") continue;
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory) await copyTree(src, dst);
    else if (entry.isFile) await Deno.copyFile(src, dst);
  }
}
