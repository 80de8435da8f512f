/**
 * `nightpull window set|clear|status|validate`: a schedule's time window on the running server
 * (`--server` / `NIGHTPULL_URL`, token from `NIGHTPULL_TOKEN`). Ranges are written as
 * `22:00-07:00`; `--days` takes `mon-fri`, `weekends`, `mon,wed`; `--json` prints the API's JSON.
 *
 * @example
 * ```ts
 * await windowCommand(["set", id, "22:00-07:00", "--days", "mon-fri", "--on-end", "pause"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { resolveConfig } from "../config.ts";
import { EXIT, NightpullError } from "../errors.ts";
import type { TimeWindow } from "../store/records.ts";
import { parseWindowRange } from "../schedule/window/time_window_input.ts";
import type { ScheduleWindow, WindowCheck } from "../schedule/window/window_service.ts";
import { ApiClient } from "./api_client.ts";
import type { Command } from "./command.ts";
import { settingOptions } from "./setting_options.ts";
import { withSubcommands } from "./subcommands.ts";
import { formatFields, formatInstant, formatTable } from "./table.ts";

/** Usage of `nightpull window`. */
export const WINDOW_USAGE = `Usage:
  nightpull window set ID RANGE [RANGE...] [--days DAYS] [--on-end continue|pause] [--tz TZ]
  nightpull window clear ID
  nightpull window status
  nightpull window validate RANGE [RANGE...] [--days DAYS] [--on-end continue|pause] [--tz TZ]
RANGE is START-END in 24-hour time, e.g. 22:00-07:00 (an end before the start crosses
midnight; days name the day a window starts). DAYS: mon-fri, weekends, weekdays, mon,wed,fri.
--on-end pause stops transfers at the end of the window and resumes them at the next opening.
Every subcommand takes --server URL (default NIGHTPULL_URL or http://127.0.0.1:8080) and --json.`;

function usage(message: string): never {
  throw new NightpullError("usage", `${message}\n${WINDOW_USAGE}`);
}

interface Parsed {
  values: {
    days?: string;
    "on-end"?: string;
    tz?: string;
    server?: string;
    json?: boolean;
    help?: boolean;
  };
  positionals: string[];
}

function parse(sub: string, args: string[], windowFlags: boolean): Parsed {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...settingOptions("server"),
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...(windowFlags
          ? { days: { type: "string" }, "on-end": { type: "string" }, tz: { type: "string" } }
          : {}),
      },
    }) as Parsed;
  } catch (err) {
    usage(`${sub}: ${(err as Error).message}`);
  }
}

function client(values: Parsed["values"]): ApiClient {
  const config = resolveConfig({ server: values.server }, Deno.env.toObject());
  return new ApiClient(config.server, config.apiToken);
}

/**
 * The API body for ranges and the window flags. Ranges are checked here so a typo fails before
 * the server is asked; days, zone and the rest are checked by the server.
 */
export function windowInputFromFlags(ranges: string[], values: Parsed["values"]): unknown {
  if (ranges.length === 0) usage("give at least one RANGE such as 22:00-07:00");
  const onEnd = values["on-end"];
  if (onEnd !== undefined && onEnd !== "continue" && onEnd !== "pause") {
    usage(`invalid --on-end "${onEnd}": expected continue or pause`);
  }
  return {
    windows: ranges.map((text, i) => {
      const range = parseWindowRange(text, ranges.length > 1 ? `RANGE ${i + 1}` : "RANGE");
      return values.days === undefined ? range : { ...range, days: values.days };
    }),
    ...(values.tz !== undefined ? { timezone: values.tz } : {}),
    ...(onEnd !== undefined ? { onEnd } : {}),
  };
}

/** `22:00-07:00 (mon-fri), 09:00-11:00` */
function describeWindow(window: TimeWindow): string {
  return window.windows.map((r) => `${r.start}-${r.end}${r.days ? ` (${r.days.join(",")})` : ""}`)
    .join(", ");
}

function sheet(w: ScheduleWindow): string {
  return formatFields([
    ["schedule", `${w.scheduleId} (${w.name})`],
    ["window", describeWindow(w.timeWindow)],
    ["timezone", w.timezone],
    ["on end", w.timeWindow.onEnd ?? "continue"],
    ["open now", w.open ? "yes" : "no"],
    ["next open", formatInstant(w.nextOpen)],
    ["next close", formatInstant(w.nextClose)],
  ]);
}

const path = (id: string) => `/api/v1/schedules/${encodeURIComponent(id)}/time-window`;

function print(value: unknown, json: boolean | undefined, text: () => string): number {
  console.log(json ? JSON.stringify(value, null, 2) : text());
  return EXIT.ok;
}

async function set(args: string[]): Promise<number> {
  const { values, positionals } = parse("set", args, true);
  if (values.help) return help();
  const [id, ...ranges] = positionals;
  if (!id) usage("set: give the schedule ID and a RANGE");
  const body = windowInputFromFlags(ranges, values);
  const w = await client(values).request<ScheduleWindow>("PUT", path(id), { body });
  return print(w, values.json, () => `time window set\n${sheet(w)}`);
}

async function clear(args: string[]): Promise<number> {
  const { values, positionals } = parse("clear", args, false);
  if (values.help) return help();
  if (positionals.length !== 1) usage("clear: give exactly one schedule ID");
  await client(values).delete(path(positionals[0]));
  return print(
    { id: positionals[0], cleared: true },
    values.json,
    () => `time window of ${positionals[0]} removed: it may run at any time`,
  );
}

async function status(args: string[]): Promise<number> {
  const { values, positionals } = parse("status", args, false);
  if (values.help) return help();
  if (positionals.length) usage("status: takes no arguments");
  const answer = await client(values).get<{ items: ScheduleWindow[] }>(
    "/api/v1/time-window/status",
  );
  return print(
    answer,
    values.json,
    () =>
      answer.items.length === 0 ? "no schedule has a time window" : formatTable(
        ["ID", "NAME", "WINDOW", "TZ", "ON END", "OPEN", "NEXT OPEN", "NEXT CLOSE"],
        answer.items.map((w) => [
          w.scheduleId,
          w.name,
          describeWindow(w.timeWindow),
          w.timezone,
          w.timeWindow.onEnd ?? "continue",
          w.open ? "yes" : "no",
          formatInstant(w.nextOpen),
          formatInstant(w.nextClose),
        ]),
      ),
  );
}

async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parse("validate", args, true);
  if (values.help) return help();
  const body = windowInputFromFlags(positionals, values);
  const check = await client(values).post<WindowCheck>("/api/v1/time-window/validate", body);
  return print(check, values.json, () =>
    [
      formatFields([
        ["window", describeWindow(check.window)],
        ["timezone", check.timezone],
        ["on end", check.window.onEnd ?? "continue"],
        ["open now", check.open ? "yes" : "no"],
      ]),
      "next transitions:",
      ...check.transitions.map((t) => `  ${formatInstant(t.at)}  ${t.open ? "opens" : "closes"}`),
    ].join("\n"));
}

function help(): number {
  console.log(WINDOW_USAGE);
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, Command> = { set, clear, status, validate };

/** `nightpull window …`; returns the exit code. */
export const windowCommand: Command = withSubcommands(SUBCOMMANDS, WINDOW_USAGE, help);
