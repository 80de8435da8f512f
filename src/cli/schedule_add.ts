/**
 * `nightpull schedule add SOURCE …`: the flags of a new schedule as the API's body (one
 * trigger, labels, retries, a time window as `window set` reads it), posted to the server.
 *
 * @example
 * ```ts
 * const body = scheduleInputFromFlags("hf:openai-community/gpt2", { cron: "0 2 * * *" });
 * ```
 * @module
 */
import { resolve } from "node:path";
import { EXIT } from "../errors.ts";
import type { Schedule, Trigger } from "../store/records.ts";
import type { ScheduleDetail, ScheduleInput } from "../schedule/service/service.ts";
import { normalizeTimeWindow } from "../schedule/window/time_window_input.ts";
import { windowInputFromFlags } from "./window.ts";
import { scheduleSheet } from "./schedule_view.ts";
import {
  client,
  help,
  parse,
  type Parsed,
  path,
  print,
  printJson,
  usage,
} from "./schedule_args.ts";

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

/** The one trigger of `--cron`, `--every` or `--at` (`--tz` for a cron). */
function triggerFromFlags(v: Parsed["values"], tz: string | undefined, windowed: boolean): Trigger {
  const triggers = (["cron", "every", "at"] as const).filter((k) => v[k] !== undefined);
  if (triggers.length !== 1) {
    usage(
      triggers.length === 0
        ? "add: give a trigger: --cron EXPR, --every DUR or --at ISO"
        : `add: give exactly one trigger, not ${triggers.map((t) => `--${t}`).join(" and ")}`,
    );
  }
  if (tz !== undefined && triggers[0] !== "cron" && !windowed) {
    usage("add: --tz applies to --cron and --window (an --at time carries its own offset)");
  }
  return triggers[0] === "cron"
    ? { type: "cron", expression: v.cron as string, ...(tz !== undefined ? { timezone: tz } : {}) }
    : triggers[0] === "every"
    ? { type: "interval", every: v.every as string }
    : { type: "once", at: v.at as string };
}

/** A whole-number flag from `min` to `max`, undefined when not given. */
function wholeFlag(v: Parsed["values"], name: string, min: number, max: number, note = "") {
  const raw = v[name] as string | undefined;
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    usage(`invalid --${name} "${raw}": expected a whole number from ${min} to ${max}${note}`);
  }
  return Number(raw);
}

/** Name, description, labels, priority, retries, overlap and misfire grace. */
function identityAndPolicy(input: ScheduleInput, v: Parsed["values"]): void {
  if (v.name !== undefined) input.name = v.name as string;
  if (v.description !== undefined) input.description = v.description as string;
  const labels = (v.label as string[] | undefined) ?? [];
  if (labels.length) input.labels = labelsFromFlags(labels);
  const priority = wholeFlag(v, "priority", 1, 10, " (higher first)");
  if (priority !== undefined) input.priority = priority;
  const retries = wholeFlag(v, "retries", 0, 99);
  // retries come after the first attempt
  if (retries !== undefined) input.retry = { attempts: retries + 1 };
  if (v.overlap !== undefined) {
    if (v.overlap !== "skip" && v.overlap !== "queue") {
      usage(`invalid --overlap "${v.overlap}": expected skip or queue`);
    }
    input.overlap = v.overlap;
  }
  if (v["misfire-grace"] !== undefined) input.misfireGrace = v["misfire-grace"] as string;
}

/** What is fetched and where: globs, `--local-dir`, the webhook and the bandwidth. */
function targetAndDelivery(input: ScheduleInput, v: Parsed["values"]): void {
  if ((v.include as string[] | undefined)?.length) input.include = v.include as string[];
  if ((v.exclude as string[] | undefined)?.length) input.exclude = v.exclude as string[];
  if (v["local-dir"] !== undefined) {
    input.layout = "local-dir";
    // the server takes absolute directories only: resolve against this shell's directory
    input.dir = resolve(v["local-dir"] as string);
  }
  if (v["webhook-secret"] !== undefined && v.webhook === undefined) {
    usage("add: --webhook-secret needs --webhook URL");
  }
  if (v.webhook !== undefined) {
    input.webhook = { url: v.webhook as string };
    if (v["webhook-secret"] !== undefined) input.webhook.secret = v["webhook-secret"] as string;
  }
  if (v.bandwidth !== undefined) input.bandwidth = v.bandwidth as string;
}

/** Builds the API body of `schedule add` from its flags. */
export function scheduleInputFromFlags(source: string, v: Parsed["values"]): ScheduleInput {
  const tz = v.tz as string | undefined;
  const windows = (v.window as string[] | undefined) ?? [];
  const input: ScheduleInput = { source, trigger: triggerFromFlags(v, tz, windows.length > 0) };
  identityAndPolicy(input, v);
  targetAndDelivery(input, v);
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
  return input;
}

/** `schedule add SOURCE …`: creates the schedule and prints it. */
export async function add(args: string[]): Promise<number> {
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
