/**
 * Downloads: sources, the hub client, the resumable fetcher, layouts, pulls and verification.
 * @module
 */
export * from "./source/source.ts";
export * from "./source/source_key.ts";
export * from "./hub/hub_client.ts";
export * from "./transfer/fetcher.ts";
export * from "./layout/hf_cache.ts";
export * from "./pull/pull.ts";
export * from "./verify/verify.ts";
