/**
 * Reading time windows from people: `22:00-07:00`, day lists such as `mon-fri`, `weekends`,
 * `sat-mon`, `mon,wed`, and the structured JSON form. Everything is normalized to one form
 * (`HH:MM`, days Monday-first, all-days omitted) and every mistake is reported with the field
 * and what would be right.
 *
 * @example
 * ```ts
 * normalizeTimeWindow({ windows: ["22:00-07:00"], timezone: "Europe/Berlin" }, "UTC");
 * // {windows: [{start: "22:00", end: "07:00"}], timezone: "Europe/Berlin", onEnd: "continue"}
 * ```
 * @module
 */
import { isValidTimezone } from "../../time/time_zone.ts";
import { NightpullError } from "../../errors.ts";
import type { TimeWindow, Weekday, WindowRange } from "../../store/records.ts";

/** A window as people send it: ranges as `"22:00-07:00"` or objects, days as text or a list. */
export interface TimeWindowInput {
  windows: (string | { start: string; end: string; days?: string | string[] })[];
  timezone?: string;
  onEnd?: "continue" | "pause";
}

/** Weekdays, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const DAY_ALIASES: Record<string, readonly Weekday[]> = {
  daily: WEEKDAYS,
  all: WEEKDAYS,
  weekdays: ["mon", "tue", "wed", "thu", "fri"],
  weekends: ["sat", "sun"],
  weekend: ["sat", "sun"],
};

const MAX_WINDOWS = 32;

function invalid(field: string, message: string): NightpullError {
  return new NightpullError("invalid_window", message, { field });
}

/**
 * Minutes after midnight of an `HH:MM` clock time. `24:00` is accepted for an end only (the
 * end of the day). Throws `invalid_window` naming `field`.
 */
export function parseClock(text: string, field: string, isEnd = field.endsWith("end")): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(typeof text === "string" ? text.trim() : "");
  if (!m) throw invalid(field, `${field} "${text}" is not a time: expected HH:MM such as "22:00"`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour === 24 && minute === 0 && isEnd) return 1440;
  if (hour > 23) throw invalid(field, `${field} "${text}": hour ${hour} out of range 0-23`);
  if (minute > 59) throw invalid(field, `${field} "${text}": minute ${minute} out of range 0-59`);
  return hour * 60 + minute;
}

function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${
    String(minutes % 60).padStart(2, "0")
  }`;
}

/** Parses `22:00-07:00` into a range with normalized clocks. */
export function parseWindowRange(text: string, field = "window"): { start: string; end: string } {
  const parts = typeof text === "string" ? text.split("-") : [];
  if (parts.length !== 2) {
    throw invalid(
      field,
      `${field} "${text}" is not a range: expected START-END such as "22:00-07:00"`,
    );
  }
  const start = parseClock(parts[0], `${field} start`, false);
  const end = parseClock(parts[1], `${field} end`, true);
  if (start === end) {
    throw invalid(
      field,
      `${field} "${text}": start equals end; a window must have a length (omit the window to allow any time)`,
    );
  }
  return { start: formatClock(start), end: formatClock(end) };
}

function dayIndex(name: string, field: string): number {
  const i = WEEKDAYS.indexOf(name.trim().toLowerCase().slice(0, 3) as Weekday);
  const full = name.trim().toLowerCase();
  const valid = i >= 0 && (full.length === 3 || WEEKDAY_NAMES[i].startsWith(full));
  if (!valid) {
    throw invalid(
      field,
      `${field}: unknown day "${name}": expected mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, weekdays or weekends`,
    );
  }
  return i;
}

const WEEKDAY_NAMES = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/**
 * Days from `mon-fri`, `sat-mon` (wrapping), `weekends`, `weekdays`, `daily`, `mon,wed,fri`, or
 * a list of those; returned Monday-first without duplicates.
 */
export function parseDays(input: string | readonly string[], field = "days"): Weekday[] {
  const items = typeof input === "string" ? input.split(",") : input;
  if (!Array.isArray(items) || items.length === 0) {
    throw invalid(field, `${field}: expected day names such as ["mon","tue"] or "mon-fri"`);
  }
  const set = new Set<number>();
  for (const raw of items) {
    if (typeof raw !== "string" || raw.trim() === "") {
      throw invalid(field, `${field}: ${JSON.stringify(raw)} is not a day name`);
    }
    const item = raw.trim().toLowerCase();
    const alias = DAY_ALIASES[item];
    if (alias) {
      alias.forEach((d) => set.add(WEEKDAYS.indexOf(d)));
      continue;
    }
    const range = item.split("-");
    if (range.length === 2) {
      const from = dayIndex(range[0], field);
      const to = dayIndex(range[1], field);
      for (let i = from;; i = (i + 1) % 7) {
        set.add(i);
        if (i === to) break;
      }
    } else if (range.length === 1) {
      set.add(dayIndex(item, field));
    } else {
      throw invalid(field, `${field}: "${raw}" is not a day or a day range such as mon-fri`);
    }
  }
  return [...set].sort((a, b) => a - b).map((i) => WEEKDAYS[i]);
}

function normalizeRange(raw: unknown, field: string): WindowRange {
  if (typeof raw === "string") return parseWindowRange(raw, field);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalid(
      field,
      `${field}: expected {"start": "22:00", "end": "07:00", "days"?: [...]} or "22:00-07:00"`,
    );
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!["start", "end", "days"].includes(key)) {
      throw new NightpullError(
        "unknown_field",
        `${field}: unknown field "${key}" (allowed: start, end, days)`,
        {
          field: `${field}.${key}`,
        },
      );
    }
  }
  const { start, end } = parseWindowRange(`${obj.start}-${obj.end}`, field);
  const range: WindowRange = { start, end };
  if (obj.days !== undefined) {
    const days = parseDays(obj.days as string | string[], `${field}.days`);
    if (days.length < 7) range.days = days;
  }
  return range;
}

/**
 * Validates and normalizes a window from JSON (or the CLI). `windows` items may be objects or
 * `"22:00-07:00"` strings. Throws `invalid_window` / `invalid_timezone` / `unknown_field` with
 * `details.field` under `field`.
 */
export function normalizeTimeWindow(input: unknown, field = "timeWindow"): TimeWindow {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw invalid(
      field,
      `${field}: expected {"windows": [...], "timezone"?: "...", "onEnd"?: "continue"|"pause"}`,
    );
  }
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!["windows", "timezone", "onEnd"].includes(key)) {
      throw new NightpullError(
        "unknown_field",
        `${field}: unknown field "${key}" (allowed: windows, timezone, onEnd)`,
        {
          field: `${field}.${key}`,
        },
      );
    }
  }
  const window: TimeWindow = { windows: normalizeRanges(obj.windows, field), onEnd: "continue" };
  if (obj.timezone !== undefined) window.timezone = windowZone(obj.timezone, field);
  if (obj.onEnd !== undefined) window.onEnd = windowOnEnd(obj.onEnd, field);
  return window;
}

/** The `windows` list: 1 to {@link MAX_WINDOWS} ranges, each normalized. */
function normalizeRanges(list: unknown, field: string): WindowRange[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(
      `${field}.windows`,
      `${field}.windows: expected a non-empty list such as ["22:00-07:00"]`,
    );
  }
  if (list.length > MAX_WINDOWS) {
    throw invalid(
      `${field}.windows`,
      `${field}.windows: ${list.length} windows, at most ${MAX_WINDOWS} allowed`,
    );
  }
  return list.map((r, i) => normalizeRange(r, `${field}.windows[${i}]`));
}

/** The window's own zone: an IANA name the runtime knows. */
function windowZone(timezone: unknown, field: string): string {
  if (typeof timezone !== "string" || !isValidTimezone(timezone)) {
    throw new NightpullError(
      "invalid_timezone",
      `${field}.timezone: unknown timezone ${
        JSON.stringify(timezone)
      }: expected an IANA zone such as "Europe/Berlin"`,
      { field: `${field}.timezone` },
    );
  }
  return timezone;
}

/** What happens at the window's end: "continue" or "pause". */
function windowOnEnd(onEnd: unknown, field: string): TimeWindow["onEnd"] {
  if (onEnd !== "continue" && onEnd !== "pause") {
    throw invalid(
      `${field}.onEnd`,
      `${field}.onEnd: ${JSON.stringify(onEnd)} is not allowed: expected "continue" or "pause"`,
    );
  }
  return onEnd;
}
