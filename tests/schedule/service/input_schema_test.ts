import assert from "node:assert/strict";
import {
  DownloadInputSchema as ApiDownloadSchema,
  ScheduleInputSchema as ApiScheduleSchema,
} from "../../../src/api/schemas.ts";
import { resolveConfig } from "../../../src/config.ts";
import { NightpullError } from "../../../src/errors.ts";
import {
  DownloadInputSchema,
  parseInput,
  ScheduleInputSchema,
} from "../../../src/schedule/service/input_schema.ts";
import { normalizeScheduleInput } from "../../../src/schedule/service/schedule_input.ts";

const config = resolveConfig({ data: "/tmp/np-input-schema-test", timezone: "UTC" }, {});
const now = new Date("2026-12-02T00:00:00Z");
const body = () => ({
  source: "hf:org/model",
  include: ["*.json"],
  trigger: { type: "cron", expression: "0 2 * * *" },
});

Deno.test("a body the API's schema returned is not parsed again; any other object is", async () => {
  const plain = body();
  const parsed = parseInput(ScheduleInputSchema, plain, "schedule");
  assert.notEqual(parsed, plain, "a plain object goes through the schema (a new object)");
  assert.deepEqual(parsed, plain);
  // the API validates with the schema's OpenAPI clone: the service takes its result as it is
  const api = await ApiScheduleSchema.safeParseAsync(body());
  assert.ok(api.success);
  assert.equal(parseInput(ScheduleInputSchema, api.data, "schedule"), api.data);
  assert.equal(parseInput(ScheduleInputSchema, parsed, "schedule"), parsed);
  // what the download schema produced is no schedule: it is checked, and refused (no trigger)
  const download = await ApiDownloadSchema.safeParseAsync({ source: "hf:org/model" });
  assert.ok(download.success);
  assert.equal(parseInput(DownloadInputSchema, download.data, "download"), download.data);
  assert.throws(
    () => parseInput(ScheduleInputSchema, download.data, "schedule"),
    (err) => err instanceof NightpullError && err.details?.field === "trigger",
  );
});

Deno.test("a body the API validated still gets the service's checks of meaning", async () => {
  // valid for the schema (short text), not a cron expression: invalid_cron from the service
  const api = await ApiScheduleSchema.safeParseAsync({
    ...body(),
    trigger: { type: "cron", expression: "99 * * * *" },
  });
  assert.ok(api.success);
  assert.throws(
    () => normalizeScheduleInput(api.data, now, config),
    (err) => err instanceof NightpullError && err.code === "invalid_cron",
  );
  const zone = await ApiScheduleSchema.safeParseAsync({
    ...body(),
    trigger: { type: "cron", expression: "0 2 * * *", timezone: "Mars/Olympus" },
  });
  assert.ok(zone.success);
  assert.throws(
    () => normalizeScheduleInput(zone.data, now, config),
    (err) => err instanceof NightpullError && err.code === "invalid_timezone",
  );
});
