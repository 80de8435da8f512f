/**
 * Cache tasks: verifying (and repairing) the hf cache as a scheduled task or `nightpull cache
 * verify`. They sit above `download/` because a repair is a pull; scanning, pruning and
 * retention of the cache live in `download/cache/`.
 * @module
 */
export * from "./cache_task.ts";
export * from "./cache_verify.ts";
