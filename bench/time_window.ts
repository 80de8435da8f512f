/**
 * Window check cost: our compiled `isOpenAt` vs the naive approach of formatting the instant in
 * the zone with Intl on every call. Goal: under 1 µs per check, no allocation.
 * @module
 */
import { compileTimeWindow, isOpenAt } from "../src/schedule/window/time_window.ts";
import { type BenchRow, printTable, ratio } from "./table.ts";

const WINDOW = {
  windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue", "wed", "thu", "fri"] as const }],
  timezone: "Europe/Berlin",
};

function naiveIsOpen(format: Intl.DateTimeFormat, instant: number): boolean {
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  const day = get("weekday").toLowerCase();
  const prev = {
    mon: "sun",
    tue: "mon",
    wed: "tue",
    thu: "wed",
    fri: "thu",
    sat: "fri",
    sun: "sat",
  }[day]!;
  const days = WINDOW.windows[0].days as readonly string[];
  return (minutes >= 22 * 60 && days.includes(day)) || (minutes < 7 * 60 && days.includes(prev));
}

function nsPerOp(n: number, fn: (i: number) => boolean): number {
  let sink = 0;
  for (let i = 0; i < Math.min(n, 10_000); i++) sink += fn(i) ? 1 : 0; // warm-up
  const start = performance.now();
  for (let i = 0; i < n; i++) sink += fn(i) ? 1 : 0;
  const ns = (performance.now() - start) * 1e6 / n;
  if (sink < 0) console.log(sink);
  return ns;
}

/** Runs the benchmark; prints its table unless `print` is false; returns the rows. */
export function main(print = true): Promise<BenchRow[]> {
  const compiled = compileTimeWindow({
    ...WINDOW,
    windows: [{ ...WINDOW.windows[0], days: [...WINDOW.windows[0].days] }],
  });
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: WINDOW.timezone,
    hourCycle: "h23",
    weekday: "short",
    hour: "numeric",
    minute: "numeric",
  });
  const base = Date.parse("2026-11-23T00:00:00Z");
  // instants spread over a week, a minute apart, as a scheduler would ask
  const ours = Math.min(
    ...[1, 2, 3].map(() =>
      nsPerOp(5_000_000, (i) => isOpenAt(compiled, base + (i % 10_080) * 60_000))
    ),
  );
  const naive = Math.min(
    ...[1, 2, 3].map(() =>
      nsPerOp(100_000, (i) => naiveIsOpen(format, base + (i % 10_080) * 60_000))
    ),
  );
  for (let i = 0; i < 10_080; i++) {
    const at = base + i * 60_000;
    if (isOpenAt(compiled, at) !== naiveIsOpen(format, at)) {
      throw new Error(`window check disagrees with Intl at ${new Date(at).toISOString()}`);
    }
  }
  const rows: BenchRow[] = [{
    case: "window check (isOpenAt), ns/op",
    ours: ours.toFixed(1),
    baseline: `${naive.toFixed(0)} (Intl per call)`,
    ratio: ratio(ours, naive),
    goal: "< 1000 ns",
  }];
  if (print) printTable(rows);
  return Promise.resolve(rows);
}

if (import.meta.main) await main();
