import assert from "node:assert/strict";
import { isValidTimezone, systemTimezone } from "../../src/time/time_zone.ts";

Deno.test("isValidTimezone: IANA names this runtime knows, nothing else", () => {
  const rows: [string, boolean][] = [
    ["UTC", true],
    ["Europe/Berlin", true],
    ["America/Argentina/Buenos_Aires", true],
    ["", false],
    ["Mars/Base", false],
    ["Europe/Berlin ", false],
  ];
  for (const [zone, want] of rows) assert.equal(isValidTimezone(zone), want, JSON.stringify(zone));
});

Deno.test("systemTimezone is a zone isValidTimezone accepts", () => {
  assert.equal(isValidTimezone(systemTimezone()), true);
});
