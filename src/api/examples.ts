/**
 * Examples the OpenAPI document shows for every body, response and error, kept apart from the
 * schemas so those stay readable. The OpenAPI test parses each example with its schema and
 * sends the request examples to the real API, so they cannot drift from what is accepted.
 * @module
 */

const SCHEDULE_ID = "01JD7S3W5X9QK2M8V4N6R0T1YB";
const RUN_ID = "01JD80B2Q4ZC6N1F8H3K5M7P9R";
const COMMIT = "607a30d783dfa663caf39e06633721c8d4cfcd7e";

/** Body of `POST /schedules` (DESIGN.md's example). */
export const SCHEDULE_INPUT_EXAMPLE = {
  name: "gpt2-nightly",
  description: "GPT-2 weights for the nightly evaluation",
  labels: { team: "nlp" },
  priority: 7,
  source: "hf:openai-community/gpt2@main",
  include: ["*.json", "*.safetensors"],
  exclude: [],
  layout: "hf-cache",
  trigger: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
  timeWindow: {
    windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue"] }],
    timezone: "Europe/Berlin",
    onEnd: "continue",
  },
  retry: { attempts: 3, backoff: "30s", factor: 2, maxBackoff: "30m" },
  misfireGrace: "10m",
  overlap: "skip",
  webhook: { url: "https://example.org/hook", secret: "change-me" },
};

/** Body of `PATCH /schedules/{id}`: a new trigger; `null` removes an optional field. */
export const SCHEDULE_PATCH_EXAMPLE = {
  trigger: { type: "cron", expression: "30 1 * * *" },
  webhook: null,
};

/** Body of `POST /downloads`. */
export const DOWNLOAD_INPUT_EXAMPLE = {
  source: "https://example.org/ubuntu.iso",
  sha256: "a435f6f393dda581172490eda9f683c32e495158a780b5a1de422ee77d98e909",
  filename: "ubuntu.iso",
  connections: 8,
};

/** A schedule as the API shows it. */
export const SCHEDULE_EXAMPLE = {
  id: SCHEDULE_ID,
  ...SCHEDULE_INPUT_EXAMPLE,
  webhook: { url: "https://example.org/hook", secret: "***" },
  status: "active",
  createdAt: "2026-11-20T09:15:00.000Z",
  updatedAt: "2026-11-20T09:15:00.000Z",
  nextRunAt: "2026-11-23T01:00:00.000Z",
};

/** A schedule's detail. */
export const SCHEDULE_DETAIL_EXAMPLE = {
  ...SCHEDULE_EXAMPLE,
  nextRuns: [
    "2026-11-23T01:00:00.000Z",
    "2026-11-24T01:00:00.000Z",
    "2026-11-30T01:00:00.000Z",
    "2026-12-01T01:00:00.000Z",
    "2026-12-07T01:00:00.000Z",
  ],
  stats: {
    runs: 12,
    succeeded: 10,
    failed: 1,
    skipped: 1,
    successRate: 0.909,
    meanDurationMs: 48211,
  },
  window: {
    open: false,
    nextOpen: "2026-11-23T21:00:00.000Z",
    nextClose: "2026-11-24T06:00:00.000Z",
  },
};

/** A finished run. */
export const RUN_EXAMPLE = {
  id: RUN_ID,
  scheduleId: SCHEDULE_ID,
  plannedAt: "2026-11-22T01:00:00.000Z",
  trigger: "schedule",
  status: "succeeded",
  reason: null,
  attempt: 1,
  startedAt: "2026-11-22T01:00:00.012Z",
  finishedAt: "2026-11-22T01:00:48.223Z",
  commit: COMMIT,
  files: { total: 12, done: 2, skipped: 10 },
  bytes: 548105171,
  error: null,
  source: "hf:openai-community/gpt2@main",
  webhook: {
    status: "delivered",
    attempts: 1,
    deliveredAt: "2026-11-22T01:00:48.301Z",
    httpStatus: 204,
  },
};

/** A downloaded file. */
export const MANIFEST_ENTRY_EXAMPLE = {
  source: "hf:openai-community/gpt2",
  path: "model.safetensors",
  localPath:
    `/home/me/.cache/huggingface/hub/models--openai-community--gpt2/snapshots/${COMMIT}/model.safetensors`,
  commit: COMMIT,
  revision: "main",
  size: 548105171,
  sha256: "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707",
  etag: "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707",
  layout: "hf-cache",
  downloadedAt: "2026-11-22T01:00:47.980Z",
};

export { TIME_WINDOW_INPUT_EXAMPLE } from "../schedule/service/input_schema.ts";

const WINDOW_STATE = {
  timezone: "Europe/Berlin",
  open: false,
  nextOpen: "2026-11-23T21:00:00.000Z",
  nextClose: "2026-11-24T06:00:00.000Z",
};

/** A schedule's window with its state. */
export const SCHEDULE_WINDOW_EXAMPLE = {
  scheduleId: SCHEDULE_ID,
  name: "gpt2-nightly",
  status: "active",
  timeWindow: {
    windows: [{ start: "22:00", end: "07:00" }],
    timezone: "Europe/Berlin",
    onEnd: "pause",
  },
  ...WINDOW_STATE,
};

/** The answer of `POST /time-window/validate`. */
export const WINDOW_CHECK_EXAMPLE = {
  window: SCHEDULE_WINDOW_EXAMPLE.timeWindow,
  ...WINDOW_STATE,
  transitions: [
    { at: "2026-11-23T21:00:00.000Z", open: true },
    { at: "2026-11-24T06:00:00.000Z", open: false },
    { at: "2026-11-24T21:00:00.000Z", open: true },
  ],
};

/** An error body per status, as the API answers it. */
export const ERROR_EXAMPLES: Record<number, unknown> = {
  400: {
    error: {
      code: "malformed_json",
      message: "request body is empty; expected a JSON object",
    },
  },
  401: {
    error: {
      code: "auth_required",
      message:
        "this server requires a token: send `Authorization: Bearer <token>` (the CLI reads NIGHTPULL_TOKEN)",
    },
  },
  404: {
    error: {
      code: "not_found",
      message: `schedule "${SCHEDULE_ID}" not found`,
      details: { id: SCHEDULE_ID },
    },
  },
  409: {
    error: {
      code: "conflict",
      message: `cannot pause schedule "${SCHEDULE_ID}": it is deleted`,
      details: { id: SCHEDULE_ID },
    },
  },
  413: {
    error: {
      code: "body_too_large",
      message:
        "request body is larger than 65536 bytes; a schedule or download is a small JSON object",
      details: { limit: 65536 },
    },
  },
  415: {
    error: {
      code: "unsupported_media_type",
      message: 'expected Content-Type: application/json, got "text/plain"',
    },
  },
  422: {
    error: {
      code: "invalid_cron",
      message: 'trigger.expression: invalid cron "0 25 * * *": hour 25 is out of range 0-23',
      details: { field: "trigger.expression" },
    },
  },
  503: {
    error: {
      code: "kv_unavailable",
      message: "the KV store does not answer",
    },
  },
};
