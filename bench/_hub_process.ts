/**
 * The fake hub (fixtures/fake_hub.ts) as its own process, so no side of a benchmark shares an
 * event loop with the server; flags as its CLI takes them (`--big-file`, `--many-files`,
 * `--per-connection-rate 25M`, `--first-byte MS`, `--rtt MS`).
 *
 * @example
 * ```ts
 * await using hub = await startHubProcess(["--big-file", "512", "--rtt", "20"]);
 * console.log(hub.url);
 * ```
 * @module
 */

/** A running fake hub process. */
export interface HubProcess extends AsyncDisposable {
  /** The hub origin, for HF_ENDPOINT. */
  url: string;
  /** What the hub printed when it started (URLs, sizes, hashes). */
  banner: string;
  stop(): Promise<void>;
}

/** Starts the hub with `flags` and waits until it has printed everything `ready` names. */
export async function startHubProcess(flags: string[], ready = "token:"): Promise<HubProcess> {
  const script = new URL("../fixtures/fake_hub.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", script, ...flags],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await reader.cancel().catch(() => {});
    await child.status;
  };
  try {
    while (!banner.includes(ready) || !banner.endsWith("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`fake hub exited before it was ready: ${banner}`);
      banner += value;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const url = /fake hub: (\S+)/.exec(banner)![1];
  return { url, banner, stop, [Symbol.asyncDispose]: stop };
}
