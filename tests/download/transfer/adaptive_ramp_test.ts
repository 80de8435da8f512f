import assert from "node:assert/strict";
import { AdaptiveRamp, type RampOptions } from "../../../src/download/transfer/adaptive_ramp.ts";

/** Rates per ms (one per measure) that `units` reach. */
type Link = (units: number) => number[];

/** Samples every 10 ms for `ms`; returns every distinct count the ramp asked for, in order. */
function simulate(ramp: AdaptiveRamp, link: Link, ms = 10_000): number[] {
  const counts = [ramp.target];
  let totals: number[] | undefined;
  for (let now = 0; now <= ms; now += 10) {
    const rates = link(ramp.target);
    totals = (totals ?? rates.map(() => 0)).map((t, i) => t + rates[i] * 10);
    const step = ramp.observe(now, totals);
    assert.equal(step.target, ramp.target);
    assert.ok(step.target >= 1 && step.target <= ramp.max, `${step.target} within 1..${ramp.max}`);
    if (step.target !== counts.at(-1)) {
      const before = counts.at(-1)!;
      assert.deepEqual([step.add, step.drop], [
        Math.max(0, step.target - before),
        Math.max(0, before - step.target),
      ]);
      counts.push(step.target);
    }
  }
  return counts;
}

const base: RampOptions = { max: 16, initial: 2, settleMs: 20, windowMs: 100 };

Deno.test("adaptive ramp: the counts it steps through, by options and link", () => {
  const cases: { name: string; options: Partial<RampOptions>; link: Link; want: number[] }[] = [
    { name: "rates grow with units", options: {}, link: (n) => [n], want: [2, 4, 8, 16] },
    {
      name: "full share: fast growth after the first step",
      options: { fastGrowth: 4 },
      link: (n) => [n],
      want: [2, 4, 16],
    },
    {
      name: "growth 4 from the start",
      options: { growth: 4, max: 64 },
      link: (n) => [n],
      want: [2, 8, 32, 64],
    },
    { name: "uneven most", options: { max: 6 }, link: (n) => [n], want: [2, 4, 6] },
    { name: "initial above most", options: { initial: 9, max: 4 }, link: (n) => [n], want: [4] },
    { name: "full at 4", options: {}, link: (n) => [Math.min(n, 4)], want: [2, 4, 8] },
    { name: "clearly worse", options: {}, link: (n) => [n > 2 ? 1 : 2], want: [2, 4, 2] },
    { name: "a little worse", options: {}, link: (n) => [n > 2 ? 1.6 : 2], want: [2, 4] },
    {
      name: "a stricter drop",
      options: { dropBelow: 0.9 },
      link: (n) => [n > 2 ? 1.6 : 2],
      want: [2, 4, 2],
    },
    {
      name: "one measure of two grows",
      options: {},
      link: (n) => [1, n],
      want: [2, 4, 8, 16],
    },
    {
      name: "required gain not met",
      options: { requiredGain: 0.5 },
      link: (n) => [n <= 2 ? 2 : 2.8],
      want: [2, 4],
    },
    {
      name: "a measure with nothing before grows",
      options: {},
      link: (n) => [n > 2 ? 1 : 0],
      want: [2, 4, 8],
    },
  ];
  for (const { name, options, link, want } of cases) {
    const ramp = new AdaptiveRamp({ ...base, ...options });
    assert.deepEqual(simulate(ramp, link), want, name);
    assert.equal(ramp.settled, true, `${name} settles`);
  }
});

Deno.test("adaptive ramp: a window closes early only when `enough` agrees, else at the long window", () => {
  const ramp = new AdaptiveRamp({
    ...base,
    longWindowMs: 500,
    enough: (_ms, [files], units) => files >= 2 * units,
  });
  const hold = { target: 2, add: 0, drop: 0 };
  assert.deepEqual(ramp.observe(0, [0]), hold);
  assert.deepEqual(ramp.observe(20, [0]), hold); // settled: the window opens
  assert.deepEqual(ramp.observe(120, [3]), hold, "3 files: not enough for 2 units");
  assert.deepEqual(ramp.observe(519, [3]), hold, "not the long window yet");
  assert.deepEqual(ramp.observe(520, [3]), { target: 4, add: 2, drop: 0 });
});

Deno.test("adaptive ramp: no window opens while the caller says the step is not under way", () => {
  const ramp = new AdaptiveRamp(base);
  const hold = { target: 2, add: 0, drop: 0 };
  assert.deepEqual(ramp.observe(0, [0], false), hold);
  assert.deepEqual(ramp.observe(1000, [0], false), hold);
  assert.deepEqual(ramp.observe(1010, [0], true), hold); // opens here
  assert.deepEqual(ramp.observe(1109, [100], true), hold);
  assert.deepEqual(ramp.observe(1110, [100], false), { target: 4, add: 2, drop: 0 });
});
