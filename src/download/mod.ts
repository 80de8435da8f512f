/**
 * Downloads: sources, the hub client, the resumable fetcher, layouts, pulls and verification.
 * @module
 */
export * from "./source.ts";
export * from "./source_key.ts";
export * from "./hub_client.ts";
export * from "./fetcher.ts";
export * from "./hf_cache.ts";
export * from "./pull.ts";
export * from "./verify.ts";
