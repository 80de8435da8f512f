import assert from "node:assert/strict";
import { scheduleInputFromFlags } from "../../src/cli/schedule_add.ts";
import { windowInputFromFlags } from "../../src/cli/window.ts";
import { NightpullError } from "../../src/errors.ts";
import { isolatedEnv, nightpull, startServe } from "./_serve.ts";

const TOKEN = "cli-window-token-5e0a";

Deno.test("window flags become the API body; bad ranges and flags are usage errors", () => {
  assert.deepEqual(windowInputFromFlags(["22:00-7:00"], { days: "mon-fri", "on-end": "pause" }), {
    windows: [{ start: "22:00", end: "07:00", days: "mon-fri" }],
    onEnd: "pause",
  });
  assert.deepEqual(windowInputFromFlags(["01:00-02:00", "13:00-14:00"], { tz: "Asia/Tokyo" }), {
    windows: [{ start: "01:00", end: "02:00" }, { start: "13:00", end: "14:00" }],
    timezone: "Asia/Tokyo",
  });
  const cases: [string[], Record<string, string>, string, RegExp][] = [
    [[], {}, "usage", /at least one RANGE/],
    [["22:00"], {}, "invalid_window", /not a range/],
    [["22:00-22:00"], {}, "invalid_window", /start equals end/],
    [["22:00-07:00"], { "on-end": "stop" }, "usage", /--on-end "stop"/],
  ];
  for (const [ranges, flags, code, message] of cases) {
    assert.throws(() => windowInputFromFlags(ranges, flags), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.equal(e.code, code);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("schedule add --window/--days/--on-end/--bandwidth send the normalized window", () => {
  const input = scheduleInputFromFlags("hf:acme/tiny-model", {
    cron: "0 2 * * *",
    tz: "Europe/Berlin",
    window: ["22:00-07:00"],
    days: "weekdays",
    "on-end": "pause",
    bandwidth: "08:00,512k 23:00,off",
  });
  assert.deepEqual(input.timeWindow, {
    windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue", "wed", "thu", "fri"] }],
    timezone: "Europe/Berlin",
    onEnd: "pause",
  });
  assert.equal(input.bandwidth, "08:00,512k 23:00,off");
  const every = scheduleInputFromFlags("hf:a/b", { every: "6h", window: ["1:00-5:00"], tz: "UTC" });
  assert.deepEqual(every.timeWindow, {
    windows: [{ start: "01:00", end: "05:00" }],
    timezone: "UTC",
    onEnd: "continue",
  });
  assert.throws(
    () => scheduleInputFromFlags("hf:a/b", { every: "6h", days: "mon" }),
    /--days and --on-end need --window/,
  );
  assert.throws(
    () => scheduleInputFromFlags("hf:a/b", { every: "6h", window: ["1:00-5:00"], days: "funday" }),
    /unknown day "funday"/,
  );
});

Deno.test("window set/status/validate/clear through the real CLI and server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-cli-window-" });
  const refused = await nightpull(
    ["serve", "--port", "0", "--data", dir, "--bwlimit", "fast"],
    isolatedEnv(dir),
  );
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /invalid --bwlimit: .*"fast" is not a rate/);
  const serve = await startServe(
    ["--data", dir, "--timezone", "UTC", "--bwlimit", "08:00,10M 20:00,off"],
    isolatedEnv(dir, { NIGHTPULL_TOKEN: TOKEN, HF_ENDPOINT: "http://127.0.0.1:9" }),
  );
  const env = isolatedEnv(dir, { NIGHTPULL_URL: serve.url, NIGHTPULL_TOKEN: TOKEN });
  const cli = (...args: string[]) => nightpull(args, env);
  try {
    const add = await cli(
      "schedule",
      "add",
      "hf:acme/tiny-model",
      "--cron",
      "0 2 * * *",
      "--window",
      "22:00-07:00",
      "--days",
      "mon-fri",
      "--on-end",
      "pause",
      "--bandwidth",
      "10M",
      "--json",
    );
    assert.equal(add.code, 0, add.stderr);
    const created = JSON.parse(add.stdout);
    assert.deepEqual(created.timeWindow, {
      windows: [{ start: "22:00", end: "07:00", days: ["mon", "tue", "wed", "thu", "fri"] }],
      onEnd: "pause",
    });
    assert.equal(created.bandwidth, "10M");
    const id = created.id;

    const set = await cli(
      "window",
      "set",
      id,
      "1:00-5:00",
      "--days",
      "weekends",
      "--tz",
      "Europe/Berlin",
      "--json",
    );
    assert.equal(set.code, 0, set.stderr);
    const w = JSON.parse(set.stdout);
    assert.deepEqual(w.timeWindow, {
      windows: [{ start: "01:00", end: "05:00", days: ["sat", "sun"] }],
      timezone: "Europe/Berlin",
      onEnd: "continue",
    });
    assert.equal(w.scheduleId, id);
    assert.equal(typeof w.open, "boolean");

    const status = await cli("window", "status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /NEXT OPEN/);
    assert.ok(status.stdout.includes(id));
    assert.match(status.stdout, /01:00-05:00 \(sat,sun\)\s+Europe\/Berlin\s+continue/);

    const validate = await cli("window", "validate", "22:00-07:00", "--days", "mon-fri");
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /window:\s+22:00-07:00 \(mon,tue,wed,thu,fri\)/);
    assert.equal((validate.stdout.match(/ (opens|closes)$/gm) ?? []).length, 3);

    const bad = await cli("window", "validate", "22:00-07:00", "--tz", "Mars/Base");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown timezone "Mars\/Base"/);
    const typo = await cli("window", "set", id, "22:00-22:00");
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /start equals end/);

    const cleared = await cli("window", "clear", id);
    assert.equal(cleared.code, 0, cleared.stderr);
    const again = await cli("window", "clear", id);
    assert.equal(again.code, 4, "no window left: not found");
    const none = await cli("window", "status", "--json");
    assert.deepEqual(JSON.parse(none.stdout), { items: [] });
    const unknown = await cli("window", "set", "01NOPE", "22:00-07:00");
    assert.equal(unknown.code, 4);
  } finally {
    const code = await serve.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, serve.log());
  }
});
