// deno-lint-ignore-file jsx-key -- rendered once on the server: no reconciliation, keys mean nothing
/**
 * A schedule's next 7 days as an inline SVG drawn by the server: one row per local day (in the
 * server's zone), the window's open hours as bands, planned runs as ticks. No script needed;
 * the figure has a text alternative.
 * @module
 */
import type { Schedule } from "../store/records.ts";
import { compileTimeWindow, isOpenAt, nextTransitions } from "../schedule/window/time_window.ts";
import { nextRuns } from "../schedule/trigger/trigger.ts";
import { zoneOffsets } from "../time/zone_offsets.ts";

const DAY = 86_400_000;
const W = 720;
const LEFT = 78;
const ROW = 24;
const TOP = 20;
const SPAN = W - LEFT - 4;
/** Most run ticks drawn (an every-second trigger would otherwise draw 604,800). */
const MAX_TICKS = 400;

/** What the timeline shows, computed from the schedule and the clock. */
interface TimelineData {
  days: { label: string; start: number; end: number }[];
  /** Open intervals of the window [from, to) as instants, clipped to the 7 days. */
  open: [number, number][];
  runs: number[];
  /** More runs fall in the 7 days than were drawn. */
  moreRuns: boolean;
}

/** Days, open intervals and planned runs of the 7 local days starting today. */
export function timelineData(s: Schedule, zone: string, now: number): TimelineData {
  const z = zoneOffsets(zone);
  const today = Math.floor(z.localMs(now) / DAY) * DAY;
  const fmt = new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "2-digit",
    timeZone: "UTC",
  });
  const days = Array.from({ length: 7 }, (_, i) => ({
    label: fmt.format(today + i * DAY),
    start: z.firstInstantAtOrAfter(today + i * DAY),
    end: z.firstInstantAtOrAfter(today + (i + 1) * DAY),
  }));
  const from = days[0].start;
  const to = days[6].end;
  const open: [number, number][] = [];
  if (s.timeWindow) {
    const w = compileTimeWindow(s.timeWindow, zone);
    let since: number | null = isOpenAt(w, from) ? from : null;
    for (const t of nextTransitions(w, from, 7 * 2 * Math.max(1, s.timeWindow.windows.length))) {
      if (t.at >= to) break;
      if (t.open) since = t.at;
      else if (since !== null) {
        open.push([since, t.at]);
        since = null;
      }
    }
    if (since !== null) open.push([since, to]);
  }
  let runs: number[] = [];
  if (s.status === "active") {
    runs = nextRuns(s.trigger, zone, new Date(Math.max(now, from) - 1), MAX_TICKS + 1)
      .map((d) => d.getTime()).filter((t) => t < to);
  }
  return { days, open, runs: runs.slice(0, MAX_TICKS), moreRuns: runs.length > MAX_TICKS };
}

/** The SVG of {@link timelineData}. */
export function Timeline(props: { data: TimelineData; zone: string; description: string }) {
  const { days, open, runs } = props.data;
  const z = zoneOffsets(props.zone);
  const x = (t: number, day: { start: number }) =>
    LEFT + ((z.localMs(t) - z.localMs(day.start)) / DAY) * SPAN;
  const height = TOP + days.length * ROW + 4;
  return (
    <figure class="card">
      <svg
        class="timeline"
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-labelledby="timeline-title timeline-desc"
      >
        <title id="timeline-title">Next 7 days: window hours and planned runs</title>
        <desc id="timeline-desc">{props.description}</desc>
        <HourGrid height={height} />
        {days.map((day, i) => <DayRow day={day} y={TOP + i * ROW} open={open} runs={runs} x={x} />)}
      </svg>
      <Legend zone={props.zone} moreRuns={props.data.moreRuns} />
    </figure>
  );
}

function HourGrid(props: { height: number }) {
  return (
    <>
      {[0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => (
        <>
          <line
            class="grid"
            x1={LEFT + (h / 24) * SPAN}
            x2={LEFT + (h / 24) * SPAN}
            y1={TOP - 4}
            y2={props.height - 4}
          />
          <text x={LEFT + (h / 24) * SPAN - 8} y={12}>{String(h).padStart(2, "0")}</text>
        </>
      ))}
    </>
  );
}

type Day = TimelineData["days"][number];

function DayRow(
  props: {
    day: Day;
    y: number;
    open: [number, number][];
    runs: number[];
    x: (t: number, day: Day) => number;
  },
) {
  const { day, y, x } = props;
  return (
    <g data-day={day.label}>
      <text x={4} y={y + 15}>{day.label}</text>
      {props.open.filter(([a, b]) => a < day.end && b > day.start).map(([a, b]) => {
        const x1 = x(Math.max(a, day.start), day);
        const x2 = x(Math.min(b, day.end), day);
        return (
          <rect
            class="win"
            x={x1}
            y={y + 2}
            width={Math.max(1, x2 - x1)}
            height={ROW - 4}
          />
        );
      })}
      {props.runs.filter((t) => t >= day.start && t < day.end).map((t) => (
        <rect class="plan" x={x(t, day) - 1} y={y + 4} width={2} height={ROW - 8}>
          <title>{new Date(t).toISOString()}</title>
        </rect>
      ))}
    </g>
  );
}

function Legend(props: { zone: string; moreRuns: boolean }) {
  return (
    <figcaption class="legend">
      <span>
        <span class="sw win"></span>window open
      </span>
      <span>
        <span class="sw plan"></span>planned run
      </span>
      <span class="muted">hours in {props.zone}</span>
      {props.moreRuns ? <span class="muted">first {MAX_TICKS} runs shown</span> : null}
    </figcaption>
  );
}
