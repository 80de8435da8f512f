/**
 * `nightpull schedule add|ls|show|pause|resume|rm|run|history`: management of the running
 * server's schedules over its HTTP API (`--server` / `NIGHTPULL_URL`, token from
 * `NIGHTPULL_TOKEN`). `--json` prints the API's JSON; otherwise readable tables.
 *
 * @example
 * ```ts
 * await scheduleCommand(["add", "hf:openai-community/gpt2", "--cron", "0 2 * * *"]);
 * ```
 * @module
 */
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveConfig } from "../config.ts";
import { EXIT, NightpullError } from "../errors.ts";
import type { Run, Schedule, Trigger } from "../store/records.ts";
import type {
  Page,
  ScheduleDetail,
  ScheduleInput,
  ScheduleView,
} from "../schedule/service/service.ts";
import { ApiClient } from "./api_client.ts";
import type { Command } from "./command.ts";
import { withSubcommands } from "./subcommands.ts";
import { runTable, scheduleSheet, scheduleTable } from "./schedule_view.ts";
import { normalizeTimeWindow } from "../schedule/window/time_window_input.ts";
import { windowInputFromFlags } from "./window.ts";

/** Usage of `nightpull schedule`. */
export const SCHEDULE_USAGE = `Usage:
  nightpull schedule add SOURCE (--cron EXPR | --every DUR | --at ISO) [--tz TZ] [--name N]
                     [--description TEXT] [--label KEY=VALUE]... [--priority 1-10]
                     [--include G]... [--exclude G]... [--local-dir DIR] [--retries N]
                     [--overlap skip|queue] [--webhook URL] [--webhook-secret S]
                     [--misfire-grace DUR] [--window 22:00-07:00]... [--days mon-fri]
                     [--on-end continue|pause] [--bandwidth RATE|TIMETABLE]
  nightpull schedule ls [--status active|paused|completed|deleted] [--label KEY=VALUE]...
                    [--limit N] [--cursor C]
  nightpull schedule show ID
  nightpull schedule pause ID | resume ID
  nightpull schedule rm ID [--hard]
  nightpull schedule run ID [--force] [--follow]
  nightpull schedule history ID [--limit N] [--cursor C]
Every subcommand takes --server URL (default NIGHTPULL_URL or http://127.0.0.1:8080) and --json.
The token comes from NIGHTPULL_TOKEN.`;

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  server: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const PAGING: Options = { limit: { type: "string" }, cursor: { type: "string" } };

interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

function usage(message: string): never {
  throw new NightpullError("usage", `${message}\n${SCHEDULE_USAGE}`);
}

function parse(sub: string, args: string[], options: Options, positionals: number): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    }) as Parsed;
  } catch (err) {
    usage(`${sub}: ${(err as Error).message}`);
  }
  if (!parsed.values.help && parsed.positionals.length !== positionals) {
    usage(
      `${sub}: expected ${positionals === 1 ? "one argument" : "no arguments"}` +
        `${
          parsed.positionals.length
            ? `, got ${parsed.positionals.map((p) => `"${p}"`).join(" ")}`
            : ""
        }`,
    );
  }
  return parsed;
}

function client(values: Parsed["values"]): ApiClient {
  const config = resolveConfig(
    { server: values.server as string | undefined },
    Deno.env.toObject(),
  );
  return new ApiClient(config.server, config.apiToken);
}

function print(text: string): void {
  console.log(text);
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function limitOf(values: Parsed["values"]): number | undefined {
  const raw = values.limit as string | undefined;
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) {
    usage(`invalid --limit "${raw}": expected a whole number from 1 to 100`);
  }
  return Number(raw);
}

const path = (id: string, suffix = "") => `/api/v1/schedules/${encodeURIComponent(id)}${suffix}`;

/** `--label team=nlp` flags as `{"team": "nlp"}` (the server checks keys and values). */
function labelsFromFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq < 1) usage(`invalid --label "${flag}": expected KEY=VALUE such as team=nlp`);
    out[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return out;
}

/** Builds the API body of `schedule add` from its flags. */
export function scheduleInputFromFlags(source: string, v: Parsed["values"]): ScheduleInput {
  const triggers = (["cron", "every", "at"] as const).filter((k) => v[k] !== undefined);
  if (triggers.length !== 1) {
    usage(
      triggers.length === 0
        ? "add: give a trigger: --cron EXPR, --every DUR or --at ISO"
        : `add: give exactly one trigger, not ${triggers.map((t) => `--${t}`).join(" and ")}`,
    );
  }
  const tz = v.tz as string | undefined;
  const windows = (v.window as string[] | undefined) ?? [];
  if (tz !== undefined && triggers[0] !== "cron" && windows.length === 0) {
    usage("add: --tz applies to --cron and --window (an --at time carries its own offset)");
  }
  const trigger: Trigger = triggers[0] === "cron"
    ? { type: "cron", expression: v.cron as string, ...(tz !== undefined ? { timezone: tz } : {}) }
    : triggers[0] === "every"
    ? { type: "interval", every: v.every as string }
    : { type: "once", at: v.at as string };
  const input: ScheduleInput = { source, trigger };
  if (v.name !== undefined) input.name = v.name as string;
  if (v.description !== undefined) input.description = v.description as string;
  const labels = (v.label as string[] | undefined) ?? [];
  if (labels.length) input.labels = labelsFromFlags(labels);
  if (v.priority !== undefined) {
    const raw = v.priority as string;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10) {
      usage(`invalid --priority "${raw}": expected a whole number from 1 to 10 (higher first)`);
    }
    input.priority = Number(raw);
  }
  if ((v.include as string[] | undefined)?.length) input.include = v.include as string[];
  if ((v.exclude as string[] | undefined)?.length) input.exclude = v.exclude as string[];
  if (v["local-dir"] !== undefined) {
    input.layout = "local-dir";
    // the server takes absolute directories only: resolve against this shell's directory
    input.dir = resolve(v["local-dir"] as string);
  }
  if (v.retries !== undefined) {
    const raw = v.retries as string;
    if (!/^\d+$/.test(raw) || Number(raw) > 99) {
      usage(`invalid --retries "${raw}": expected a whole number from 0 to 99`);
    }
    // retries come after the first attempt
    input.retry = { attempts: Number(raw) + 1 };
  }
  if (v.overlap !== undefined) {
    if (v.overlap !== "skip" && v.overlap !== "queue") {
      usage(`invalid --overlap "${v.overlap}": expected skip or queue`);
    }
    input.overlap = v.overlap;
  }
  if (v["webhook-secret"] !== undefined && v.webhook === undefined) {
    usage("add: --webhook-secret needs --webhook URL");
  }
  if (v.webhook !== undefined) {
    input.webhook = { url: v.webhook as string };
    if (v["webhook-secret"] !== undefined) input.webhook.secret = v["webhook-secret"] as string;
  }
  if (v["misfire-grace"] !== undefined) input.misfireGrace = v["misfire-grace"] as string;
  if (windows.length === 0 && (v.days !== undefined || v["on-end"] !== undefined)) {
    usage("add: --days and --on-end need --window 22:00-07:00");
  }
  if (windows.length) {
    // the API takes the normalized form; the window flags mean what `window set` says
    const raw = windowInputFromFlags(windows, {
      days: v.days as string | undefined,
      "on-end": v["on-end"] as string | undefined,
      tz,
    });
    input.timeWindow = normalizeTimeWindow(raw, "--window");
  }
  if (v.bandwidth !== undefined) input.bandwidth = v.bandwidth as string;
  return input;
}

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse("add", args, {
    cron: { type: "string" },
    every: { type: "string" },
    at: { type: "string" },
    tz: { type: "string" },
    name: { type: "string" },
    description: { type: "string" },
    label: { type: "string", multiple: true },
    priority: { type: "string" },
    include: { type: "string", multiple: true },
    exclude: { type: "string", multiple: true },
    "local-dir": { type: "string" },
    retries: { type: "string" },
    overlap: { type: "string" },
    webhook: { type: "string" },
    "webhook-secret": { type: "string" },
    "misfire-grace": { type: "string" },
    window: { type: "string", multiple: true },
    days: { type: "string" },
    "on-end": { type: "string" },
    bandwidth: { type: "string" },
  }, 1);
  if (values.help) return help();
  const input = scheduleInputFromFlags(positionals[0], values);
  const api = client(values);
  const created = await api.post<Schedule>("/api/v1/schedules", input);
  if (values.json) {
    printJson(created);
    return EXIT.ok;
  }
  const detail = await api.get<ScheduleDetail>(path(created.id));
  print(`created schedule ${created.id}\n${scheduleSheet(detail)}`);
  return EXIT.ok;
}

async function ls(args: string[]): Promise<number> {
  const { values } = parse("ls", args, {
    status: { type: "string" },
    label: { type: "string", multiple: true },
    ...PAGING,
  }, 0);
  if (values.help) return help();
  const api = client(values);
  // KEY=VALUE as on `add`, sent as the API's KEY:VALUE (a KEY alone: any value)
  const labels = ((values.label as string[] | undefined) ?? []).map((l) => {
    const eq = l.indexOf("=");
    if (eq === 0) usage(`invalid --label "${l}": expected KEY=VALUE such as team=nlp, or KEY`);
    return eq < 0 ? l : `${l.slice(0, eq)}:${l.slice(eq + 1)}`;
  });
  const page = await api.get<Page<ScheduleView>>("/api/v1/schedules", {
    status: values.status as string | undefined,
    label: labels.length ? labels : undefined,
    limit: limitOf(values),
    cursor: values.cursor as string | undefined,
  });
  if (values.json) {
    printJson(page);
    return EXIT.ok;
  }
  if (page.items.length === 0) {
    print("no schedules");
    return EXIT.ok;
  }
  print(scheduleTable(page.items.map((schedule) => ({ schedule, nextRun: schedule.nextRunAt }))));
  if (page.nextCursor) print(`more: nightpull schedule ls --cursor ${page.nextCursor}`);
  return EXIT.ok;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse("show", args, {}, 1);
  if (values.help) return help();
  const detail = await client(values).get<ScheduleDetail>(path(positionals[0]));
  if (values.json) printJson(detail);
  else print(scheduleSheet(detail));
  return EXIT.ok;
}

function lifecycle(action: "pause" | "resume"): Command {
  return async (args) => {
    const { values, positionals } = parse(action, args, {}, 1);
    if (values.help) return help();
    const s = await client(values).post<Schedule>(path(positionals[0], `/${action}`));
    if (values.json) printJson(s);
    else print(`${action === "pause" ? "paused" : "resumed"} ${s.id} (${s.name}): ${s.status}`);
    return EXIT.ok;
  };
}

async function rm(args: string[]): Promise<number> {
  const { values, positionals } = parse("rm", args, { hard: { type: "boolean" } }, 1);
  if (values.help) return help();
  const id = positionals[0];
  const hard = values.hard === true;
  await client(values).delete(path(id), hard ? { hard: true } : undefined);
  if (values.json) printJson({ id, deleted: true, hard });
  else print(hard ? `deleted ${id} and its history` : `deleted ${id} (history kept)`);
  return EXIT.ok;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse("run", args, {
    force: { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    quiet: { type: "boolean", short: "q" },
  }, 1);
  if (values.help) return help();
  const force = values.force === true ? { force: true } : undefined;
  const api = client(values);
  const started = await api.post<Run>(path(positionals[0], "/trigger"), undefined, force);
  if (values.follow) {
    // --json then prints the run and every event as JSON lines
    if (values.json) console.log(JSON.stringify(started));
    else print(`started run ${started.id}`);
    const { watchFromCli } = await import("./run.ts");
    return await watchFromCli(api, started.id, {
      json: values.json === true,
      quiet: values.quiet === true,
    });
  }
  if (values.json) printJson(started);
  else print(`started run ${started.id}\n${runTable([started])}`);
  return EXIT.ok;
}

async function history(args: string[]): Promise<number> {
  const { values, positionals } = parse("history", args, PAGING, 1);
  if (values.help) return help();
  const page = await client(values).get<Page<Run>>(path(positionals[0], "/runs"), {
    limit: limitOf(values),
    cursor: values.cursor as string | undefined,
  });
  if (values.json) {
    printJson(page);
    return EXIT.ok;
  }
  print(page.items.length ? runTable(page.items) : "no runs yet");
  if (page.nextCursor) {
    print(`more: nightpull schedule history ${positionals[0]} --cursor ${page.nextCursor}`);
  }
  return EXIT.ok;
}

function help(): number {
  print(SCHEDULE_USAGE);
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, Command> = {
  add,
  ls,
  show,
  pause: lifecycle("pause"),
  resume: lifecycle("resume"),
  rm,
  run,
  history,
};

/** `nightpull schedule …`; returns the exit code. */
export const scheduleCommand: Command = withSubcommands(SUBCOMMANDS, SCHEDULE_USAGE, help);
