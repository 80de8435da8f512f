/**
 * `GET /runs/{id}/events`: a run's live view as Server-Sent Events: `state` (the run record)
 * on every status change, `progress` (per file bytes, size, rate, ETA; run totals) at most
 * every 250 ms, then `end` and the stream closes. A run that already ended answers its state
 * and `end` at once.
 *
 * The body is pulled, never pushed: an event is taken from the subscriber's bounded queue only
 * when the connection can take more, so a client that stops reading holds one coalesced
 * progress snapshot plus state changes, and the download never waits for it.
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { RunEventHub } from "./events/run_event_hub.ts";
import type { RunStreamEvent, RunSubscription } from "./events/run_subscription.ts";
import { validationHook } from "./errors.ts";
import { IdParam } from "./schemas.ts";
import { bearerSecurity, errorResponses } from "./openapi_route.ts";

/** Time between keep-alive comments while a run reports nothing (proxies drop idle streams). */
const HEARTBEAT_MS = 15_000;

const EXAMPLE = [
  'event: state\ndata: {"id":"01JD7S3W5X9QK2M8V4N6R0T1YB","status":"running","attempt":1}',
  'event: progress\ndata: {"runId":"01JD7S3W5X9QK2M8V4N6R0T1YB","at":"2026-11-22T02:00:01.250Z",' +
  '"commit":"607a30d783dfa663caf39e06633721c8d4cfcd7e","files":[{"path":"model.safetensors",' +
  '"bytes":268435456,"total":548105171,"rate":104857600,"eta":2.67}],"totals":{"bytes":268435456,' +
  '"total":548105171,"rate":104857600,"eta":2.67,"files":{"total":12,"done":10,"skipped":10}}}',
  'event: state\ndata: {"id":"01JD7S3W5X9QK2M8V4N6R0T1YB","status":"succeeded","attempt":1}',
  'event: end\ndata: {"id":"01JD7S3W5X9QK2M8V4N6R0T1YB","status":"succeeded","attempt":1}',
].join("\n\n") + "\n\n";

const route = createRoute({
  method: "get",
  path: "/runs/{id}/events",
  tags: ["runs"],
  summary: "A run's live progress and state changes (Server-Sent Events)",
  description: "Events: `state` (the Run) on every status change; `progress` at most every " +
    "250 ms with per-file `path`, `bytes`, `total`, `rate` (bytes/s), `eta` (s) (files finished " +
    "since the previous snapshot add `done: true`, and `elsewhere: true` when another process " +
    "finished them) and run `totals`; `end` (the final Run), after which the stream closes. A late subscriber first " +
    "gets the current state and progress. Intermediate progress is dropped for slow readers.",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    200: {
      description: "an event stream",
      content: { "text/event-stream": { schema: z.string().openapi({ example: EXAMPLE }) } },
    },
    ...errorResponses(401, 404, 422),
  },
});

/** One event in the SSE wire format. */
function formatEvent(e: RunStreamEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** A pull-driven SSE body over `sub` (see the module doc). */
export function eventStream(sub: RunSubscription, heartbeatMs = HEARTBEAT_MS): ReadableStream {
  const encoder = new TextEncoder();
  let pending: Promise<RunStreamEvent | null> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= sub.next();
      const beat = new Promise<"beat">((resolve) =>
        timer = setTimeout(resolve, heartbeatMs, "beat")
      );
      const got = await Promise.race([pending, beat]);
      clearTimeout(timer);
      if (got === "beat") {
        controller.enqueue(encoder.encode(": keep-alive\n\n"));
        return;
      }
      pending = null;
      if (got === null) {
        controller.close();
        sub.close();
        return;
      }
      controller.enqueue(encoder.encode(formatEvent(got)));
    },
    cancel() {
      clearTimeout(timer);
      sub.close();
    },
  }, { highWaterMark: 0 });
}

/** The run events route over `hub`, to mount under `/api/v1`. */
export function runEventRoutes(hub: RunEventHub): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const sub = await hub.subscribe(c.req.valid("param").id);
    return new Response(eventStream(sub), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        // nginx would otherwise buffer the stream
        "x-accel-buffering": "no",
      },
    }) as never;
  });
  return app;
}
