import assert from "node:assert/strict";
import { resolveConfig } from "../../../src/config.ts";
import { NightpullError } from "../../../src/errors.ts";
import {
  normalizeDownloadInput,
  normalizeScheduleInput,
} from "../../../src/schedule/service/schedule_input.ts";

const config = resolveConfig({ data: "/tmp/np-input-test", timezone: "UTC" }, {});
const now = new Date("2026-12-02T00:00:00Z");
const cron = { type: "cron", expression: "0 2 * * *" };

function refusal(fn: () => unknown): NightpullError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NightpullError, String(err));
    return err;
  }
  assert.fail("the input was accepted");
}

Deno.test("schedule input without the API: the service's own words for the likeliest mistakes, the one schema for limits", () => {
  // a config file's typo: the allowed fields are listed, no OpenAPI document to point to
  const unknown = refusal(() =>
    normalizeScheduleInput({ source: "hf:a/b", trigger: cron, triger: 1 }, now, config)
  );
  assert.equal(unknown.code, "unknown_field");
  assert.equal(unknown.details?.field, "triger");
  assert.match(unknown.message, /allowed: name, description/);
  const noSource = refusal(() => normalizeScheduleInput({ trigger: cron }, now, config));
  assert.equal(noSource.code, "invalid_source");
  assert.match(noSource.message, /source is required, e\.g\. "hf:/);
  const noTrigger = refusal(() => normalizeScheduleInput({ source: "hf:a/b" }, now, config));
  assert.equal(noTrigger.code, "invalid_input");
  assert.match(noTrigger.message, /trigger is required, e\.g\. \{"type": "cron"/);
  const download = refusal(() => normalizeDownloadInput({ include: ["*"] }));
  assert.equal(download.code, "invalid_source");
  // a limit only the schema holds: 257 globs
  const globs = refusal(() =>
    normalizeScheduleInput(
      { source: "hf:a/b", trigger: cron, include: Array(257).fill("*.json") },
      now,
      config,
    )
  );
  assert.equal(globs.code, "invalid_input");
  assert.equal(globs.details?.field, "include");
});
