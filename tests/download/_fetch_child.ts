/**
 * A separate process for crash tests: runs one fetchFile from a JSON argument and exits.
 * @module
 */
import { fetchFile, type FetchFileOptions } from "../../src/download/transfer/fetcher.ts";

if (import.meta.main) {
  const options = JSON.parse(Deno.args[0]) as FetchFileOptions;
  await fetchFile(options);
}
