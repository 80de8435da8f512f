import assert from "node:assert/strict";
import { scheduleInputFromFlags } from "../../src/cli/schedule_add.ts";
import { NightpullError } from "../../src/errors.ts";
import { isolatedEnv, nightpull, startServe } from "./_serve.ts";

const TOKEN = "cli-test-token-93b1";

Deno.test("schedule add/ls/show/pause/resume/run/history/rm through the real CLI and server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-cli-" });
  const serve = await startServe(
    ["--data", dir, "--timezone", "UTC"],
    isolatedEnv(dir, {
      NIGHTPULL_TOKEN: TOKEN,
      // nothing listens here: a triggered run fails fast instead of reaching the internet
      HF_ENDPOINT: "http://127.0.0.1:9",
    }),
  );
  const env = isolatedEnv(dir, { NIGHTPULL_URL: serve.url, NIGHTPULL_TOKEN: TOKEN });
  const cli = (...args: string[]) => nightpull(["schedule", ...args], env);
  try {
    const add = await cli(
      "add",
      "hf:acme/tiny-model",
      "--cron",
      "0 2 * * *",
      "--tz",
      "Europe/Berlin",
      "--name",
      "tiny",
      "--label",
      "team=nlp",
      "--label",
      "env=prod",
      "--priority",
      "8",
      "--description",
      "tiny weights",
      "--include",
      "*.json",
      "--include",
      "*.safetensors",
      "--retries",
      "2",
      "--overlap",
      "queue",
      "--webhook",
      "http://127.0.0.1:9/hook",
      "--webhook-secret",
      "hook-secret-xyz",
      "--misfire-grace",
      "5m",
      "--json",
    );
    assert.equal(add.code, 0, add.stderr);
    const created = JSON.parse(add.stdout);
    assert.match(created.id, /^[0-9A-Z]{26}$/);
    assert.equal(created.name, "tiny");
    assert.deepEqual(created.trigger, {
      type: "cron",
      expression: "0 2 * * *",
      timezone: "Europe/Berlin",
    });
    assert.deepEqual(created.include, ["*.json", "*.safetensors"]);
    assert.equal(created.retry.attempts, 3);
    assert.deepEqual(created.labels, { env: "prod", team: "nlp" });
    assert.equal(created.priority, 8);
    assert.equal(created.description, "tiny weights");
    assert.equal(created.overlap, "queue");
    assert.equal(created.misfireGrace, "5m");
    assert.deepEqual(created.webhook, { url: "http://127.0.0.1:9/hook", secret: "***" });
    const id = created.id;

    const ls = await cli("ls", "--json");
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(JSON.parse(ls.stdout).items.map((s: { id: string }) => s.id), [id]);
    const table = await cli("ls");
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trim().split("\n");
    assert.match(header, /^ID\s+NAME\s+SOURCE\s+TRIGGER\s+STATUS\s+NEXT RUN\s+PRIO\s+LABELS$/);
    assert.match(
      row,
      new RegExp(
        `^${id}\\s+tiny\\s+hf:acme/tiny-model\\s+cron 0 2 \\* \\* \\* \\(Europe/Berlin\\)\\s+active\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:00:00Z\\s+8\\s+env=prod, team=nlp$`,
      ),
    );
    // the next run is the engine's, from the list itself
    assert.equal(JSON.parse(ls.stdout).items[0].nextRunAt, created.nextRunAt);
    const byLabel = await cli("ls", "--label", "team=nlp", "--label", "env", "--json");
    assert.deepEqual(JSON.parse(byLabel.stdout).items.map((s: { id: string }) => s.id), [id]);
    const none = await cli("ls", "--label", "team=vision", "--json");
    assert.deepEqual(JSON.parse(none.stdout).items, []);

    const show = await cli("show", id, "--json");
    assert.equal(show.code, 0, show.stderr);
    const detail = JSON.parse(show.stdout);
    assert.equal(detail.nextRuns.length, 5);
    assert.equal(detail.stats.runs, 0);
    const sheet = await cli("show", id);
    assert.match(sheet.stdout, /^next runs: +\d{4}-/m);
    assert.ok(!sheet.stdout.includes("hook-secret-xyz"));

    const pause = await cli("pause", id, "--json");
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal(JSON.parse(pause.stdout).status, "paused");
    const resume = await cli("resume", id);
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal(resume.stdout.trim(), `resumed ${id} (tiny): active`);

    const run = await cli("run", id, "--json");
    assert.equal(run.code, 0, run.stderr);
    const started = JSON.parse(run.stdout);
    assert.equal(started.scheduleId, id);
    assert.equal(started.trigger, "manual");

    const history = await cli("history", id, "--json");
    assert.equal(history.code, 0, history.stderr);
    const page = JSON.parse(history.stdout);
    assert.equal(page.items[0].id, started.id);
    assert.equal(page.nextCursor, null);
    const limited = await cli("history", id, "--limit", "0");
    assert.equal(limited.code, 2);
    assert.match(limited.stderr, /invalid --limit "0"/);

    const rm = await cli("rm", id, "--hard", "--json");
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(JSON.parse(rm.stdout), { id, deleted: true, hard: true });
    const gone = await cli("show", id);
    assert.equal(gone.code, 4);
    assert.match(gone.stderr, /not found/);
  } finally {
    assert.equal(await serve.stop("SIGTERM"), 0, serve.log());
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exit codes: 2 invalid input, 4 unknown id, 3 bad token, 1 nothing listening", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-cli-" });
  const serve = await startServe(["--data", dir], isolatedEnv(dir, { NIGHTPULL_TOKEN: TOKEN }));
  const env = isolatedEnv(dir, { NIGHTPULL_URL: serve.url, NIGHTPULL_TOKEN: TOKEN });
  try {
    const cron = await nightpull(
      ["schedule", "add", "hf:acme/tiny-model", "--cron", "0 25 * * *"],
      env,
    );
    assert.equal(cron.code, 2);
    assert.match(cron.stderr, /invalid cron "0 25 \* \* \*": hour 25/);
    const unknown = await nightpull(["schedule", "show", "01JD0000000000000000000000"], env);
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /01JD0000000000000000000000/);
    const wrong = await nightpull(["schedule", "ls"], { ...env, NIGHTPULL_TOKEN: "wrong" });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /token is not valid/);
    const none = await nightpull(["schedule", "ls"], { ...env, NIGHTPULL_TOKEN: "" });
    assert.equal(none.code, 3);
    assert.match(none.stderr, /NIGHTPULL_TOKEN/);
    const twoTriggers = await nightpull(
      ["schedule", "add", "hf:a/b", "--cron", "0 2 * * *", "--every", "6h"],
      env,
    );
    assert.equal(twoTriggers.code, 2);
    assert.match(twoTriggers.stderr, /exactly one trigger, not --cron and --every/);
    const noTrigger = await nightpull(["schedule", "add", "hf:a/b"], env);
    assert.equal(noTrigger.code, 2);
    const badFlag = await nightpull(["schedule", "ls", "--colour"], env);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--colour/);
    const badSub = await nightpull(["schedule", "list-all"], env);
    assert.equal(badSub.code, 2);
  } finally {
    assert.equal(await serve.stop("SIGINT"), 0, serve.log());
  }
  // the server is gone now: its address refuses connections
  const down = await nightpull(["schedule", "ls", "--server", serve.url], isolatedEnv(dir));
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    new RegExp(`cannot reach nightpull at ${serve.url}: start it with \`nightpull serve\``),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scheduleInputFromFlags maps flags onto the API body", () => {
  const v = (values: Record<string, string | boolean | string[]>) => values;
  assert.deepEqual(scheduleInputFromFlags("hf:a/b", v({ every: "6h" })), {
    source: "hf:a/b",
    trigger: { type: "interval", every: "6h" },
  });
  assert.deepEqual(
    scheduleInputFromFlags(
      "https://h/f",
      v({ at: "2027-01-01T00:00:00+01:00", "local-dir": "/x" }),
    ),
    {
      source: "https://h/f",
      trigger: { type: "once", at: "2027-01-01T00:00:00+01:00" },
      layout: "local-dir",
      dir: "/x",
    },
  );
  assert.deepEqual(scheduleInputFromFlags("hf:a/b", v({ cron: "@daily", retries: "0" })).retry, {
    attempts: 1,
  });
  for (
    const [flags, message] of [
      [{ every: "6h", tz: "UTC" }, /--tz applies to --cron/],
      [{ cron: "@daily", retries: "x" }, /--retries "x"/],
      [{ cron: "@daily", overlap: "wait" }, /--overlap "wait"/],
      [{ cron: "@daily", "webhook-secret": "s" }, /needs --webhook/],
    ] as const
  ) {
    assert.throws(
      () => scheduleInputFromFlags("hf:a/b", v(flags)),
      (e: unknown) => e instanceof NightpullError && e.exitCode === 2 && message.test(e.message),
    );
  }
});
