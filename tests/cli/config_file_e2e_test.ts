import assert from "node:assert/strict";
import { join } from "node:path";
import type { Schedule } from "../../src/store/records.ts";
import { isolatedEnv, nightpull, startServe } from "./_serve.ts";

async function schedules(url: string): Promise<Schedule[]> {
  const res = await fetch(`${url}/api/v1/schedules?limit=100`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

const fileWith = (dir: string, gpt2Cron: string) => ({
  server: { data: dir, timezone: "Europe/Berlin", logFormat: "json", historyDays: 7 },
  schedules: {
    "gpt2-nightly": {
      source: "hf:openai-community/gpt2@main",
      include: ["*.json", "*.safetensors"],
      trigger: { type: "cron", expression: gpt2Cron },
    },
    "iso-weekly": {
      source: "https://example.org/big.iso",
      trigger: { type: "interval", every: "168h" },
      retry: { attempts: 5 },
    },
  },
});

Deno.test("config file: declared schedules exist after start-up and follow edits across restarts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-config-" });
  const path = join(dir, "nightpull.json");
  try {
    await Deno.writeTextFile(path, JSON.stringify(fileWith(dir, "0 2 * * *")));
    const first = await startServe(["--config", path], isolatedEnv(dir));
    let before: Schedule[];
    try {
      before = await schedules(first.url);
      assert.deepEqual(before.map((s) => s.name).sort(), ["gpt2-nightly", "iso-weekly"]);
      const gpt2 = before.find((s) => s.name === "gpt2-nightly")!;
      // the file's server.timezone is the default zone of its schedules
      assert.deepEqual(gpt2.trigger, {
        type: "cron",
        expression: "0 2 * * *",
        timezone: "Europe/Berlin",
      });
      assert.deepEqual(gpt2.include, ["*.json", "*.safetensors"]);
      assert.equal(before.find((s) => s.name === "iso-weekly")!.retry.attempts, 5);
    } finally {
      assert.equal(await first.stop(), 0, first.log());
    }
    // logFormat from the file: every line is JSON
    const lines = first.log().trim().split("\n");
    assert.ok(!lines.some((l) => /^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO |WARN |ERROR) /.test(l)));
    for (const line of lines.filter((l) => l.startsWith("{"))) JSON.parse(line);
    assert.ok(lines.some((l) => l.includes('"config.schedule_created"')));
    await Deno.stat(join(dir, "nightpull.kv")); // server.data from the file

    // edit one schedule; NIGHTPULL_CONFIG names the file this time
    await Deno.writeTextFile(path, JSON.stringify(fileWith(dir, "30 1 * * *")));
    const second = await startServe([], isolatedEnv(dir, { NIGHTPULL_CONFIG: path }));
    try {
      const after = await schedules(second.url);
      assert.equal(after.length, 2, "no duplicates after a restart");
      const was = (name: string) => before.find((s) => s.name === name)!;
      const now = (name: string) => after.find((s) => s.name === name)!;
      assert.equal(now("gpt2-nightly").id, was("gpt2-nightly").id);
      assert.equal(
        (now("gpt2-nightly").trigger as { expression: string }).expression,
        "30 1 * * *",
      );
      assert.deepEqual(now("iso-weekly"), was("iso-weekly"), "the unchanged one is untouched");
    } finally {
      assert.equal(await second.stop(), 0, second.log());
    }
    assert.match(second.log(), /config\.schedule_updated.*gpt2-nightly/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config file: flags and the environment win over the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-config-" });
  const path = join(dir, "nightpull.json");
  try {
    await Deno.writeTextFile(
      path,
      JSON.stringify({ server: { data: join(dir, "from-file"), logFormat: "json", port: 1 } }),
    );
    // --port 0 (a flag) beats port 1; NIGHTPULL_LOG_FORMAT beats logFormat; --data beats data
    const serve = await startServe(
      ["--config", path, "--data", join(dir, "from-flag")],
      isolatedEnv(dir, { NIGHTPULL_LOG_FORMAT: "text" }),
    );
    assert.equal(await serve.stop(), 0, serve.log());
    assert.match(serve.log(), /INFO {2}serve\.listening url=http:\/\/127\.0\.0\.1:\d+/);
    await Deno.stat(join(dir, "from-flag", "nightpull.kv"));
    await assert.rejects(Deno.stat(join(dir, "from-file")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config file: a broken file stops start-up with exit 2 and file:field: reason, writing nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-config-" });
  const path = join(dir, "nightpull.json");
  const env = isolatedEnv(dir);
  const args = ["serve", "--config", path, "--port", "0", "--data", dir];
  const cases: [string, RegExp][] = [
    ["{ not json", /nightpull\.json:-: not valid JSON/],
    [
      JSON.stringify({ server: { port: "8080" } }),
      /nightpull\.json:server\.port: expected a number/,
    ],
    [JSON.stringify({ server: { port: 70000 } }), /nightpull\.json:server\.port: invalid "70000"/],
    [JSON.stringify({ server: { prot: 1 } }), /nightpull\.json:server\.prot: unknown setting/],
    [
      JSON.stringify({ server: { timezone: "Mars/Olympus" } }),
      /nightpull\.json:server\.timezone: unknown timezone "Mars\/Olympus"/,
    ],
    [
      JSON.stringify({
        schedules: {
          fine: { source: "hf:acme/a", trigger: { type: "cron", expression: "0 2 * * *" } },
          nightly: { source: "hf:acme/b", trigger: { type: "cron", expression: "0 2 * * * * *" } },
        },
      }),
      /nightpull\.json:schedules\.nightly\.trigger\.expression: /,
    ],
  ];
  try {
    for (const [text, message] of cases) {
      await Deno.writeTextFile(path, text);
      const out = await nightpull(args, env);
      assert.equal(out.code, 2, `${text}\n${out.stderr}`);
      assert.match(out.stderr, message);
    }
    const missing = await nightpull(["serve", "--config", join(dir, "nope.json")], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json:-: cannot read the file/);
    // the bad schedule stopped everything: the good one beside it was not created either
    const serve = await startServe(["--data", dir], env);
    try {
      assert.deepEqual(await schedules(serve.url), []);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
