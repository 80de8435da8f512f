/**
 * How a comparison of command lines runs: sides (ours and each baseline) in rotating order,
 * each into a fresh directory of the run's work dir with the disk settled first, best of
 * `BENCH_ROUNDS`; and the warm-up that lets Python write its bytecode before any timing.
 *
 * @example
 * ```ts
 * const times = await interleaved(benchRounds(), checked(work, sides, check));
 * console.log(runsNote(times));
 * ```
 * @module
 */
import { join } from "node:path";
import { settleDisk } from "./_disk.ts";
import { nightpull, type PythonHf } from "./_peer_clis.ts";
import type { ProcessRun } from "./_process.ts";

/** Rounds per case (`BENCH_ROUNDS`, default 3). */
export function benchRounds(): number {
  const rounds = Number(Deno.env.get("BENCH_ROUNDS") ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("BENCH_ROUNDS must be >= 1");
  return rounds;
}

/** Seconds with two decimals. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs the sides in a rotating order (each round starts with the next side), keeping every time. */
export async function interleaved(
  rounds: number,
  sides: Record<string, (round: number) => Promise<number>>,
): Promise<Record<string, number[]>> {
  const names = Object.keys(sides);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      await settleDisk();
      times[name].push(await sides[name](round));
    }
  }
  return times;
}

/** Lists every run of every side, for the notes. */
export function runsNote(times: Record<string, number[]>): string {
  return Object.entries(times).map(([name, ms]) =>
    `${name} ${ms.map((t) => (t / 1000).toFixed(2)).join(" ")}`
  ).join(" | ");
}

/** Ours and hf once each against `hubUrl`, outside any timing: Python writes its bytecode. */
export async function warmUp(work: string, hf: PythonHf, hubUrl: string): Promise<void> {
  const dir = join(work, "warm-up");
  await nightpull(
    ["pull", "hf:acme/tiny-model", "--cache-dir", join(dir, "ours"), "--quiet"],
    hubUrl,
    dir,
  );
  await hf.download(
    ["acme/tiny-model", "--cache-dir", join(dir, "hf")],
    hubUrl,
    join(dir, "hf-home"),
  );
  await Deno.remove(dir, { recursive: true });
}

/**
 * A side of a comparison: downloads into `<dir>/out` (its state, if any, in `<dir>/state`),
 * `dir` being fresh each round, and returns what it cost.
 */
export type Side = (dir: string, round: number) => Promise<ProcessRun>;

/** `<dir>/out` and `<dir>/state` of a side's run. */
export function outAndState(dir: string): [string, string] {
  return [join(dir, "out"), join(dir, "state")];
}

/** Times each side's download into a fresh dir, checks what landed in `out`, and clears it. */
export function checked(
  work: string,
  sides: Record<string, Side>,
  check: (out: string, round: number) => Promise<void>,
): Record<string, (round: number) => Promise<number>> {
  return Object.fromEntries(
    Object.entries(sides).map(([name, run]) => [
      name,
      async (round: number) => {
        const dir = join(work, `${name}-${round}`);
        const { ms } = await run(dir, round);
        await check(outAndState(dir)[0], round);
        await Deno.remove(dir, { recursive: true });
        return ms;
      },
    ]),
  );
}
