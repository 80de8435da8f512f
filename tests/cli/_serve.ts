/**
 * Real processes for CLI tests: `nightpull serve` on port 0 (its URL read from its log line)
 * and one-shot `nightpull …` commands; {@link apiCall} talks JSON to a served API.
 * @module
 */
import { fileURLToPath } from "node:url";

/** The repository root, where main.ts lives. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A running `nightpull serve`. */
export interface ServeProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  /** Sends `signal` and resolves with the exit code once the process ended. */
  stop(signal?: Deno.Signal): Promise<number>;
}

const decoder = new TextDecoder();

/**
 * Starts `main.ts serve --port 0 …` and waits (up to `timeoutMs`) for its `serve.listening`
 * line. Rejects with the log when the process exits or stays silent.
 */
export async function startServe(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "main.ts", "serve", "--port", "0", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const listening = Promise.withResolvers<string>();
  const pump = (async () => {
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      const url = /serve\.listening.*?url[=":]+(http:\/\/[^\s"]+)/.exec(text)?.[1];
      if (url) listening.resolve(url);
    }
  })();
  const status = child.status;
  status.then(() => listening.reject(new Error(`serve exited before listening:\n${text}`)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`serve did not listen in time:\n${text}`)),
      timeoutMs,
    );
  });
  let url: string;
  try {
    url = await Promise.race([listening.promise, timeout]);
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await status;
    await pump;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    url,
    child,
    log: () => text,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      const code = await stopWithin(child, signal);
      await pump;
      if (code === null) throw new Error(`serve ignored ${signal}; killed it:\n${text}`);
      return code;
    },
  };
}

/**
 * Sends `signal` and waits up to `ms` for the exit code; a process still running then is
 * killed with SIGKILL and null returned, so a test fails instead of hanging.
 */
export async function stopWithin(
  child: Deno.ChildProcess,
  signal: Deno.Signal,
  ms = 10_000,
): Promise<number | null> {
  try {
    child.kill(signal);
  } catch {
    // already exited
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms));
  const result = await Promise.race([child.status.then((s) => s.code), late]);
  clearTimeout(timer);
  if (result === null) {
    child.kill("SIGKILL");
    await child.status;
  }
  return result;
}

export type { CliResult } from "../_support/cli.ts";
import type { CliResult } from "../_support/cli.ts";

/** Runs `main.ts …args` to completion. */
export async function nightpull(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await spawnNightpull(args, env).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Starts `main.ts …args`, its output piped (see `followCli`). */
export function spawnNightpull(
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "main.ts", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * `deno serve main.ts` on a free port (with `permissions`, default `--allow-all`); resolves
 * with its URL once it listens.
 */
export function denoServe(env: Record<string, string>, permissions = ["--allow-all"]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", ...permissions, "--host", "127.0.0.1", "--port", "0", "main.ts"],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  const listening = Promise.withResolvers<string>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const url = /Listening on (http:\/\/[^\s/]+)/.exec(text)?.[1];
      if (url) listening.resolve(url);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then((s) => {
    listening.reject(new Error(`deno serve exited ${s.code}:\n${text}`));
    return s.code;
  });
  listening.promise.catch(() => {});
  return { child, url: listening.promise, exited, pumps, log: () => text };
}

/** An isolated environment: its own HOME, data and cache dirs, and no ambient tokens or server. */
export function isolatedEnv(
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    HOME: dir,
    XDG_DATA_HOME: `${dir}/data`,
    XDG_CACHE_HOME: `${dir}/cache`,
    HF_HOME: `${dir}/hf`,
    NIGHTPULL_TOKEN: "",
    NIGHTPULL_URL: "",
    NO_COLOR: "1",
    ...extra,
  };
}

/** A parsed JSON answer, read field by field by the tests (as `JSON.parse` returns it). */
// deno-lint-ignore no-explicit-any
type AnyJson = any;

/**
 * One `/api/v1` request to a served API (`base` is the server's URL): an object body goes as
 * JSON, a string body as it is. The status and the parsed JSON answer (null when empty).
 */
export async function apiCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: AnyJson }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
