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
