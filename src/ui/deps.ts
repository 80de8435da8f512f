/**
 * What the dashboard is built from: the same service the API calls, the read-only overview
 * queries, the settings it shows, and the clock.
 * @module
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../time/clock.ts";
import type { ScheduleOverview } from "../schedule/service/schedule_overview.ts";
import type { ScheduleService } from "../schedule/service/service.ts";

/** Dependencies of the dashboard routes. */
export interface DashboardDeps {
  service: ScheduleService;
  overview: ScheduleOverview;
  kv: Deno.Kv;
  config: Pick<Config, "apiToken" | "timezone" | "hubCache">;
  clock: Clock;
  logger: Logger;
}
