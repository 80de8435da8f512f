/**
 * UTC offsets of an IANA zone as cached segments of constant offset, so that turning an instant
 * into wall-clock time costs a comparison instead of an `Intl` call (which allocates and costs
 * microseconds). Segments are found lazily and kept per zone.
 *
 * Wall-clock time here is "local milliseconds since 1970-01-01T00:00 local", made monotone:
 * during the repeated hour of a fall-back fold it stays frozen just before the transition's
 * old-offset wall time, so a boundary inside the fold happens at its first occurrence only.
 *
 * @example
 * ```ts
 * const zone = zoneOffsets("Europe/Berlin");
 * const local = zone.localMs(Date.UTC(2026, 6, 1, 12)); // 14:00 local, in ms since local epoch
 * ```
 * @module
 */

const DAY = 86_400_000;
/** How far one segment search looks for the next offset change. */
const SEARCH_SPAN = 400 * DAY;

interface Segment {
  /** First instant (UTC ms) of the segment. */
  start: number;
  /** First instant after the segment (UTC ms); Infinity when no change was found ahead. */
  end: number;
  /** Offset in ms (local = utc + offset). */
  offset: number;
  /** Instants before this are in the second pass of a fold: local time is frozen. */
  foldUntil: number;
  /** The frozen local time during that fold. */
  frozenLocal: number;
}

/** Offset table of one zone; see the module doc. */
export class ZoneOffsets {
  readonly timezone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #segments: Segment[] = [];
  #last: Segment | undefined;

  constructor(timezone: string) {
    this.timezone = timezone;
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** Offset (ms) at `utc`, straight from Intl; slow, used only to build segments. */
  rawOffset(utc: number): number {
    const floored = Math.floor(utc / 1000) * 1000;
    const p: Record<string, number> = {};
    for (const part of this.#format.formatToParts(floored)) {
      if (part.type !== "literal") p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
    return asUtc - floored;
  }

  /** The monotone wall-clock time (local ms since local epoch) at instant `utc`. */
  localMs(utc: number): number {
    const seg = this.#cachedSegment(utc);
    return utc < seg.foldUntil ? seg.frozenLocal : utc + seg.offset;
  }

  /** The UTC offset (ms) in force at instant `utc`, from the cached segments. */
  offset(utc: number): number {
    return this.#cachedSegment(utc).offset;
  }

  #cachedSegment(utc: number): Segment {
    let seg = this.#last;
    if (seg === undefined || utc < seg.start || utc >= seg.end) {
      seg = this.#segmentAt(utc);
      this.#last = seg;
    }
    return seg;
  }

  /** The first instant whose wall-clock time is at or after `local` (gap: first valid instant). */
  firstInstantAtOrAfter(local: number): number {
    // localMs is monotone in utc, and offsets lie within ±18h: binary search between bounds.
    let lo = local - 19 * 3_600_000;
    let hi = local + 19 * 3_600_000;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.localMs(mid) >= local) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #segmentAt(utc: number): Segment {
    const segs = this.#segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid];
      if (utc < s.start) hi = mid - 1;
      else if (utc >= s.end) lo = mid + 1;
      else return s;
    }
    const seg = this.#buildSegment(utc);
    segs.splice(lo, 0, seg);
    return seg;
  }

  #buildSegment(utc: number): Segment {
    const offset = this.rawOffset(utc);
    const start = this.#findChange(utc, -1, offset);
    const end = this.#findChange(utc, 1, offset);
    const before = Number.isFinite(start) ? this.rawOffset(start - 1) : offset;
    const fold = before > offset;
    return {
      start,
      end,
      offset,
      foldUntil: fold ? start + (before - offset) : -Infinity,
      frozenLocal: fold ? start + before - 1 : 0,
    };
  }

  /**
   * Where the offset stops being `offset`, searching in `dir` from `utc`: for +1 the first
   * instant with another offset (the segment's end), for -1 the first instant of the segment.
   * Offsets change on whole seconds, so the bisection runs over seconds.
   */
  #findChange(utc: number, dir: 1 | -1, offset: number): number {
    let same = Math.floor(utc / 1000);
    for (let travelled = 0; travelled < SEARCH_SPAN; travelled += DAY) {
      const probe = same + dir * (DAY / 1000);
      if (this.rawOffset(probe * 1000) === offset) {
        same = probe;
        continue;
      }
      let changed = probe;
      while (Math.abs(changed - same) > 1) {
        const mid = Math.floor((same + changed) / 2);
        if (this.rawOffset(mid * 1000) === offset) same = mid;
        else changed = mid;
      }
      return (dir === 1 ? changed : same) * 1000;
    }
    return dir === 1 ? Infinity : -Infinity;
  }
}

const ZONES = new Map<string, ZoneOffsets>();

/** The shared offset table of `timezone` (created on first use). */
export function zoneOffsets(timezone: string): ZoneOffsets {
  let zone = ZONES.get(timezone);
  if (!zone) {
    zone = new ZoneOffsets(timezone);
    ZONES.set(timezone, zone);
  }
  return zone;
}
