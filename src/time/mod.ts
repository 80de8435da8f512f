/**
 * Time, shared by every layer (part of the base: imports nothing but base files): the clock
 * (system or manual for tests), durations as people write them, elapsed-time and ETA text,
 * UTC offsets of IANA zones and zone-name checks, abortable sleep, retry backoff, and the
 * `--bwlimit` timetable.
 * @module
 */
export * from "./clock.ts";
export * from "./duration.ts";
export * from "./elapsed.ts";
export * from "./zone_offsets.ts";
export * from "./time_zone.ts";
export * from "./backoff.ts";
export * from "./bandwidth.ts";
