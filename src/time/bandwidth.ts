/**
 * Bandwidth limits in rclone's `--bwlimit` syntax: a rate (`10M`, `512k`, `1.5M`, `off`; bytes
 * per second, binary units, a bare number is KiB/s as in rclone) or a timetable of steps
 * `"08:00,512k 12:00,10M 23:00,off"`, optionally per weekday (`"Mon-00:00,512k Sat-10:00,off"`).
 * A step holds from its time until the next step; the last step of the week wraps around.
 *
 * @example
 * ```ts
 * const table = parseBandwidth("08:00,512k 23:00,off");
 * rateAt(table, Date.now(), "Europe/Berlin"); // bytes/s or null (unlimited)
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";
import { zoneOffsets } from "./zone_offsets.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEK_MINUTES = 7 * 1440;
const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A limit: `null` rate means unlimited. Steps are sorted by minute of the week (Mon 00:00 = 0). */
export interface BandwidthTable {
  /** The normalized text, for display. */
  text: string;
  steps: { minuteOfWeek: number; rate: number | null }[];
}

function invalid(text: string, why: string): NightpullError {
  return new NightpullError(
    "invalid_input",
    `invalid bandwidth "${text}": ${why}; expected a rate such as "10M", "512k" or "off", or a timetable such as "08:00,512k 23:00,off"`,
    { field: "bandwidth" },
  );
}

/** Parses one rate (`10M`, `512k`, `off`) into bytes per second, `null` for unlimited. */
export function parseRate(text: string, whole = text): number | null {
  const t = text.trim().toLowerCase();
  if (t === "off" || t === "0") return null;
  const m = /^(\d+(?:\.\d+)?)([bkmgt]?)(?:i?b?)?(?:\/s)?$/.exec(t);
  if (!m) throw invalid(whole, `"${text}" is not a rate`);
  const bytes = Number(m[1]) * UNITS[m[2] || "k"];
  if (!Number.isFinite(bytes) || bytes < 1024) {
    throw invalid(whole, `"${text}" is below the minimum of 1k (1 KiB/s)`);
  }
  return Math.floor(bytes);
}

/** Parses a rate or a timetable; throws `invalid_input` naming what is wrong. */
export function parseBandwidth(text: string): BandwidthTable {
  if (typeof text !== "string" || text.trim() === "") throw invalid(String(text), "it is empty");
  const tokens = text.trim().split(/\s+/);
  if (tokens.length === 1 && !tokens[0].includes(",")) {
    return { text: text.trim(), steps: [{ minuteOfWeek: 0, rate: parseRate(tokens[0], text) }] };
  }
  const steps: BandwidthTable["steps"] = [];
  for (const token of tokens) {
    const m = /^(?:([A-Za-z]{3})-)?(\d{1,2}):(\d{2}),(.+)$/.exec(token);
    if (!m) throw invalid(text, `step "${token}" is not [Day-]HH:MM,RATE`);
    const hour = Number(m[2]);
    const minute = Number(m[3]);
    if (hour > 23) throw invalid(text, `step "${token}": hour ${hour} out of range 0-23`);
    if (minute > 59) throw invalid(text, `step "${token}": minute ${minute} out of range 0-59`);
    const rate = parseRate(m[4], text);
    const ofDay = hour * 60 + minute;
    if (m[1]) {
      const day = DAY_NAMES.indexOf(m[1].toLowerCase());
      if (day < 0) throw invalid(text, `step "${token}": unknown day "${m[1]}" (Mon..Sun)`);
      steps.push({ minuteOfWeek: day * 1440 + ofDay, rate });
    } else {
      for (let day = 0; day < 7; day++) steps.push({ minuteOfWeek: day * 1440 + ofDay, rate });
    }
  }
  steps.sort((a, b) => a.minuteOfWeek - b.minuteOfWeek);
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].minuteOfWeek === steps[i - 1].minuteOfWeek) {
      throw invalid(text, "two steps at the same time");
    }
  }
  return { text: tokens.join(" "), steps };
}

/** Minute of the week (Monday 00:00 = 0) of `instant` as wall-clock time in `timezone`. */
function minuteOfWeek(instant: number, timezone: string): number {
  const local = zoneOffsets(timezone).localMs(instant);
  const day = Math.floor(local / DAY);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return weekday * 1440 + Math.floor((local - day * DAY) / MINUTE);
}

function stepIndexAt(table: BandwidthTable, mow: number): number {
  let index = table.steps.length - 1; // before the first step of the week: the last one holds
  for (let i = 0; i < table.steps.length; i++) {
    if (table.steps[i].minuteOfWeek <= mow) index = i;
  }
  return index;
}

/** The rate (bytes/s, `null` = unlimited) in force at `instant`. */
export function rateAt(table: BandwidthTable, instant: number, timezone: string): number | null {
  return table.steps[stepIndexAt(table, minuteOfWeek(instant, timezone))].rate;
}

/** The next instant after `instant` at which the table changes step; null for a plain rate. */
export function nextStepAt(
  table: BandwidthTable,
  instant: number,
  timezone: string,
): number | null {
  if (table.steps.length < 2) return null;
  const mow = minuteOfWeek(instant, timezone);
  const i = stepIndexAt(table, mow);
  const next = table.steps[(i + 1) % table.steps.length].minuteOfWeek;
  const ahead = ((next - mow + WEEK_MINUTES) % WEEK_MINUTES) || WEEK_MINUTES;
  const zone = zoneOffsets(timezone);
  const localMinuteStart = Math.floor(zone.localMs(instant) / MINUTE) * MINUTE;
  return zone.firstInstantAtOrAfter(localMinuteStart + ahead * MINUTE);
}
