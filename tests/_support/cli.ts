/**
 * What a finished CLI process left, shared by the CLI and end-to-end helpers.
 * @module
 */

/** Exit code and the decoded output of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running CLI process whose stderr can be read while it runs. */
export interface FollowedCli {
  child: Deno.ChildProcess;
  /** What it has written to stderr so far. */
  stderr(): string;
  /** Its result once it ends (killed or not). */
  ended: Promise<CliResult>;
}

/** Follows `child` (spawned with piped stdout and stderr) as it runs. */
export function followCli(child: Deno.ChildProcess): FollowedCli {
  let stderr = "";
  const read = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) stderr += text;
  })();
  const stdout = new Response(child.stdout).text();
  const ended = Promise.all([child.status, stdout, read]).then(([status, out]) => ({
    code: status.code,
    stdout: out,
    stderr,
  }));
  return { child, stderr: () => stderr, ended };
}
