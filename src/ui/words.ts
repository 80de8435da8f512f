/**
 * Schedules in words for people: triggers ("every day at 02:00 Europe/Berlin"), windows
 * ("22:00–07:00 Mon–Fri"), instants in a zone and relative times ("in 3 h", "5 min ago").
 * Pure functions; the clock is passed in.
 * @module
 */
import type { TimeWindow, Trigger } from "../store/records.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SHORT: Record<string, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};
const MACROS: Record<string, string> = {
  "@hourly": "every hour",
  "@daily": "every day at 00:00",
  "@midnight": "every day at 00:00",
  "@weekly": "every Sunday at 00:00",
  "@monthly": "on day 1 of every month at 00:00",
  "@yearly": "every 1 January at 00:00",
  "@annually": "every 1 January at 00:00",
};

const num = (s: string) => /^\d{1,2}$/.test(s);
const two = (s: string) => s.padStart(2, "0");

function dayWords(field: string): string | null {
  const name = (d: string) => DAYS[Number(d) % 7];
  if (/^\d$/.test(field)) return `every ${name(field)}`;
  const range = /^(\d)-(\d)$/.exec(field);
  if (range) return `${name(range[1]).slice(0, 3)}–${name(range[2]).slice(0, 3)}`;
  if (/^\d(,\d)+$/.test(field)) {
    return `on ${field.split(",").map((d) => name(d).slice(0, 3)).join(", ")}`;
  }
  return null;
}

/** A cron expression in words, or null when it is not one of the common shapes. */
export function cronWords(expression: string): string | null {
  const expr = expression.trim();
  if (MACROS[expr]) return MACROS[expr];
  const f = expr.split(/\s+/);
  if (f.length === 6) {
    if (f.every((x) => x === "*")) return "every second";
    if (f[0] !== "0") return null;
    f.shift();
  }
  if (f.length !== 5) return null;
  const [m, h, dom, mon, dow] = f;
  if (f.every((x) => x === "*")) return "every minute";
  const step = /^\*\/(\d+)$/.exec(m);
  if (step && h === "*" && dom === "*" && mon === "*" && dow === "*") {
    return `every ${step[1]} minutes`;
  }
  if (num(m) && h === "*" && dom === "*" && mon === "*" && dow === "*") {
    return `every hour at :${two(m)}`;
  }
  const hstep = /^\*\/(\d+)$/.exec(h);
  if (num(m) && hstep && dom === "*" && mon === "*" && dow === "*") {
    return `every ${hstep[1]} hours at :${two(m)}`;
  }
  if (!num(m) || !num(h) || mon !== "*") return null;
  const at = `at ${two(h)}:${two(m)}`;
  if (dom === "*" && dow === "*") return `every day ${at}`;
  if (dom === "*") {
    const days = dayWords(dow);
    return days ? `${days} ${at}` : null;
  }
  if (num(dom) && dow === "*") return `on day ${dom} of every month ${at}`;
  return null;
}

/** A trigger in words with its zone: "every day at 02:00 Europe/Berlin". */
export function triggerWords(trigger: Trigger, zone: string): string {
  switch (trigger.type) {
    case "cron": {
      const words = cronWords(trigger.expression);
      return words ? `${words} ${zone}` : `cron "${trigger.expression}" ${zone}`;
    }
    case "interval":
      return `every ${trigger.every}` +
        (trigger.startAt ? ` from ${formatInstant(trigger.startAt, zone)}` : "");
    case "once":
      return `once at ${formatInstant(trigger.at, zone)}`;
  }
}

/** A window in words: "22:00–07:00 Mon, Tue; 12:00–13:00 (Europe/Berlin, pause at end)". */
export function windowWords(window: TimeWindow, fallbackZone: string): string {
  const parts = window.windows.map((w) =>
    `${w.start}–${w.end}` + (w.days?.length ? ` ${w.days.map((d) => SHORT[d]).join(", ")}` : "")
  );
  const zone = window.timezone ?? fallbackZone;
  return `${parts.join("; ")} (${zone}${window.onEnd === "pause" ? ", pauses at end" : ""})`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-12-03 02:00` in `zone` (no zone name). */
export function formatInstant(at: string | number | Date, zone: string): string {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(zone, f);
  }
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return f.format(d).replace(",", "");
}

/** "in 3 h", "in 12 min", "5 min ago", "2 d ago", "now". */
export function relativeTime(at: string | number, now: number): string {
  const ms = (typeof at === "number" ? at : Date.parse(at)) - now;
  const abs = Math.abs(ms);
  if (abs < 45_000) return "now";
  const [n, unit] = abs < 3_600_000
    ? [Math.round(abs / 60_000), "min"]
    : abs < 172_800_000
    ? [Math.round(abs / 3_600_000), "h"]
    : [Math.round(abs / 86_400_000), "d"];
  return ms > 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** A success rate as a percentage, "—" before any finished run. */
export function rateWords(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)}%`;
}
