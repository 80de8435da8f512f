/**
 * The free-space checks of a pull's file phase: the preflight and a check before each file,
 * the latter asked of the file system at most once a second while the last answer left a wide
 * margin. What the pull itself writes is counted in what it still needs, so only another
 * writer can eat into that margin, and within a second it would have to write
 * {@link WIDE_MARGIN} to matter; a narrow margin is asked again before every file.
 *
 * @example
 * ```ts
 * const space = new SpaceChecks(() => ({ path, needed: remaining.total, reserve }));
 * await space.check();     // the preflight: always asks
 * await space.checkSoon(); // before each file
 * ```
 * @module
 */
import { ensureFreeSpace } from "../layout/disk_space.ts";

/** Free space is asked again before a file after this long (unless the margin was narrow). */
const SPACE_CHECK_MS = 1000;
/** A margin above need + reserve that no other writer is taken to fill within a second. */
export const WIDE_MARGIN = 1024 * 1024 * 1024;

/** What one check weighs: where the bytes go, bytes still to write, the reserve. */
interface SpaceNeed {
  path: string;
  needed: number;
  reserve: number;
}

/** Free-space checks of one pull; see the module doc. */
export class SpaceChecks {
  readonly #need: () => SpaceNeed;
  /** When free space was last asked, and the room it left above need + reserve. */
  #last?: { at: number; room: number };

  /** `need` is asked at each check (what is still to be written changes as files land). */
  constructor(need: () => SpaceNeed) {
    this.#need = need;
  }

  /** Throws `insufficient_space` when what is still to be written, plus the reserve, does not fit. */
  async check(): Promise<void> {
    const need = this.#need();
    const space = await ensureFreeSpace(need);
    this.#last = { at: performance.now(), room: space.free - need.needed - need.reserve };
  }

  /** {@link check}, unless the last answer is under a second old and left a wide margin. */
  async checkSoon(): Promise<void> {
    const last = this.#last;
    if (last && last.room >= WIDE_MARGIN && performance.now() - last.at < SPACE_CHECK_MS) return;
    await this.check();
  }
}
