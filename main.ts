/**
 * nightpull's entry point: `deno task nightpull …` or the compiled binary runs the CLI;
 * `deno serve main.ts` serves the API through the default export, configured from the
 * environment (NIGHTPULL_DATA, NIGHTPULL_TOKEN, ...).
 * @module
 */
import { debugRequested, reportFailure, runCli } from "./src/cli/main.ts";
import type { ServeFetch } from "./src/cli/serve.ts";

let handler: Promise<ServeFetch> | undefined;

function serving(): Promise<ServeFetch> {
  return handler ??= import("./src/cli/serve.ts").then((m) => m.serveFetch(Deno.env.toObject()));
}

/** Entry of `deno serve main.ts`; nightpull starts at launch, or on the first request. */
export default {
  async fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    return await (await serving()).fetch(req, info);
  },
};

/**
 * True under `deno serve main.ts`, which also runs this module as the main one: the process
 * arguments read `deno serve …` while the script gets none. Checked only when readable
 * without a permission prompt.
 */
function underDenoServe(): boolean {
  if (Deno.args.length > 0) return false;
  const file = "/proc/self/cmdline";
  try {
    if (Deno.permissions.querySync({ name: "read", path: file }).state !== "granted") return false;
    const argv = Deno.readTextFileSync(file).split("\0").slice(1);
    return argv.find((a) => !a.startsWith("-")) === "serve";
  } catch {
    return false;
  }
}

/**
 * An error nothing caught still ends the process with one line and its exit code, not the
 * runtime's stack trace (that only with `--log-level debug`).
 */
function reportUncaught(): void {
  const debug = debugRequested(Deno.args, Deno.env.toObject());
  const fatal = (err: unknown) => Deno.exit(reportFailure("nightpull", err, debug));
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    fatal(e.reason);
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    fatal(e.error);
  });
}

if (import.meta.main) {
  reportUncaught();
  if (underDenoServe()) {
    const nightpull = await serving();
    // arm the scheduler now: schedules must fire even if no request ever comes; a start that
    // fails (bad config file, unreachable KV) ends the process with its exit code
    nightpull.start().catch(async (err) => {
      const { toNightpullError } = await import("./src/errors.ts");
      const e = toNightpullError(err);
      console.error(`nightpull: ${e.message}`);
      Deno.exit(e.exitCode);
    });
    // the engine's timers would keep `deno serve` alive after a signal: stop it, then exit
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => {
        nightpull.close().finally(() => Deno.exit(0));
      });
    }
  } else {
    Deno.exit(await runCli(Deno.args));
  }
}
