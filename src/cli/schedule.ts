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
import { EXIT } from "../errors.ts";
import type { Run, Schedule } from "../store/records.ts";
import type { Page, ScheduleDetail, ScheduleView } from "../schedule/service/service.ts";
import type { Command } from "./command.ts";
import { withSubcommands } from "./subcommands.ts";
import { runTable, scheduleSheet, scheduleTable } from "./schedule_view.ts";
import { add } from "./schedule_add.ts";
import {
  client,
  help,
  limitOf,
  PAGING,
  parse,
  path,
  print,
  printJson,
  SCHEDULE_USAGE,
  usage,
} from "./schedule_args.ts";

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
