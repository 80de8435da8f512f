/**
 * nightpull's entry point: `deno task nightpull …` or the compiled binary runs the CLI;
 * `deno serve main.ts` serves the API through the default export, configured from the
 * environment (NIGHTPULL_DATA, NIGHTPULL_TOKEN, ...).
 * @module
 */
import { debugRequested, reportFailure, runCli } from "./src/cli/main.ts";
import type { ServeFetch } from "./src/cli/serve_fetch.ts";

let handler: Promise<ServeFetch> | undefined;

function serving(): Promise<ServeFetch> {
  // a computed specifier: the CLI's runs do not load the server's module graph (see cli/main.ts)
  const module: Promise<typeof import("./src/cli/serve_fetch.ts")> = import(
    new URL("./src/cli/serve_fetch.ts", import.meta.url).href
  );
  return handler ??= module.then((m) => m.serveFetch(Deno.env.toObject()));
}

/** Set once `deno serve` listens: only it calls the default export's `onListen`. */
let servedByDeno = false;

/**
 * Entry of `deno serve main.ts`. Its `onListen` is the portable sign of `deno serve` (no
 * process introspection, which differs by OS): nightpull starts its scheduler there.
 */
export default {
  async fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    return await (await serving()).fetch(req, info);
  },
  onListen(addr: Deno.Addr): void {
    servedByDeno = true;
    if (addr.transport === "tcp") {
      const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      console.log(`deno serve: Listening on http://${host}:${addr.port}/`);
    }
    startUnderDenoServe();
  },
} satisfies Deno.ServeDefaultExport;

/** Arms the scheduler under `deno serve` and stops it on SIGINT/SIGTERM. */
async function startUnderDenoServe(): Promise<void> {
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
  if (Deno.args.length > 0) Deno.exit(await runCli(Deno.args));
  // No arguments: the CLI's usage, unless `deno serve` runs this module. It starts listening
  // (and calls onListen) right after this module is evaluated, before any timer fires.
  setTimeout(async () => {
    if (!servedByDeno) Deno.exit(await runCli(Deno.args));
  }, 0);
}
