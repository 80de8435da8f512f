import assert from "node:assert/strict";
import { formatElapsed } from "../../src/time/elapsed.ts";

Deno.test("formatElapsed: ms, tenths of seconds, minutes and seconds, hours and minutes", () => {
  const cases: [number | null | undefined, string][] = [
    [0, "0ms"],
    [850, "850ms"],
    [999.6, "1.0s"],
    [12_340, "12.3s"],
    [59_949, "59.9s"],
    [59_960, "1m00s"],
    [119_600, "2m00s"],
    [250_000, "4m10s"],
    [2 * 3_600_000 + 3 * 60_000 + 1000, "2h03m"],
    [200 * 3_600_000, "200h00m"],
    [null, "-"],
    [undefined, "-"],
    [NaN, "-"],
    [-5, "-"],
  ];
  for (const [ms, text] of cases) assert.equal(formatElapsed(ms), text, String(ms));
});
