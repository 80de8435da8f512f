/**
 * Opens the Deno KV that holds all nightpull state: an embedded SQLite file (default
 * `<data>/nightpull.kv`), `:memory:` (tests), or a KV Connect URL (self-hosted denokv or Deno
 * Deploy; the access token comes from `DENO_KV_ACCESS_TOKEN`).
 *
 * @example
 * ```ts
 * const kv = await openKv(":memory:");
 * ```
 * @module
 */
import { dirname } from "node:path";
import { NightpullError } from "../errors.ts";
import { retryWhileLocked } from "./commit.ts";

/** Opens the KV at `location`, creating the parent directory of a file path. */
export async function openKv(location: string): Promise<Deno.Kv> {
  const isUrl = /^https?:\/\//i.test(location);
  if (!isUrl && location !== ":memory:") {
    await Deno.mkdir(dirname(location), { recursive: true });
  }
  try {
    return await retryWhileLocked(() => Deno.openKv(location));
  } catch (err) {
    throw new NightpullError(
      "kv_unavailable",
      `cannot open KV "${location}": ${(err as Error).message}` +
        (isUrl ? " (for KV Connect set DENO_KV_ACCESS_TOKEN)" : ""),
      undefined,
      { cause: err },
    );
  }
}
