/**
 * The only code that touches Deno KV.
 *
 * Key layout (every key starts with "np" so a shared KV can hold other things too):
 * - ["np", "manifest", <sourceKey>, <localPath>]   -> ManifestEntry (one downloaded file;
 *   sourceKey = source without revision, localPath = absolute path on disk)
 *
 * Sections below are added by the modules that own them; keep this list complete.
 * @module
 */
export * from "./open_kv.ts";
export * from "./commit.ts";
export * from "./manifest.ts";
