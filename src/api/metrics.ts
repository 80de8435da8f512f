/**
 * `GET /metrics`: the process metrics in the Prometheus text format (version 0.0.4), outside
 * `/api/v1` and, like the health probes, without auth: scrapers rarely carry tokens, and the
 * figures hold no secrets (counts, bytes, durations, the version).
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { renderMetrics } from "../metrics.ts";

/** Content type of the Prometheus text exposition format. */
const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["health"],
  summary: "Metrics in the Prometheus text format",
  responses: {
    200: {
      description: "every metric: runs by status, download bytes, active transfers, retries, " +
        "checksum failures, firing lag, window skips, KV commit conflicts, build info",
      content: {
        "text/plain": {
          schema: z.string().openapi({
            example: "# HELP nightpull_download_bytes_total File body bytes received from " +
              "upstream.\n# TYPE nightpull_download_bytes_total counter\n" +
              "nightpull_download_bytes_total 548105171\n",
          }),
        },
      },
    },
  },
});

/** The metrics route. */
export function metricsRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(
    route,
    () =>
      new Response(renderMetrics(), { headers: { "content-type": METRICS_CONTENT_TYPE } }) as never,
  );
  return app;
}
