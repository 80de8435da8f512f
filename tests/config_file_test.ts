import assert from "node:assert/strict";
import { resolveConfig } from "../src/config.ts";
import {
  checkFileSettings,
  loadConfigFile,
  mergeFlags,
  parseConfigFile,
} from "../src/config_file.ts";
import { NightpullError } from "../src/errors.ts";

const GOOD = JSON.stringify({
  server: {
    port: 9001,
    timezone: "Europe/Berlin",
    maxDownloads: 2,
    bwlimit: "08:00,512k 23:00,off",
  },
  schedules: {
    "gpt2-nightly": {
      source: "hf:openai-community/gpt2",
      trigger: { type: "cron", expression: "0 2 * * *" },
    },
  },
});

Deno.test("a config file gives settings and schedules keyed by name", () => {
  const file = parseConfigFile("np.json", GOOD);
  // JSON numbers stay numbers: no round trip through text
  assert.deepEqual(file.settings, {
    port: 9001,
    timezone: "Europe/Berlin",
    "max-downloads": 2,
    bwlimit: "08:00,512k 23:00,off",
  });
  assert.deepEqual(file.schedules["gpt2-nightly"], {
    name: "gpt2-nightly",
    source: "hf:openai-community/gpt2",
    trigger: { type: "cron", expression: "0 2 * * *" },
  });
});

Deno.test("precedence: flags > environment > file > defaults", () => {
  const file = parseConfigFile("np.json", GOOD).settings;
  const env = { HOME: "/h", NIGHTPULL_PORT: "9002" };
  assert.equal(resolveConfig(mergeFlags(file, {}, {}), { HOME: "/h" }).port, 9001);
  assert.equal(resolveConfig(mergeFlags(file, {}, env), env).port, 9002);
  assert.equal(resolveConfig(mergeFlags(file, { port: "9003" }, env), env).port, 9003);
  const c = resolveConfig(mergeFlags(file, {}, {}), { HOME: "/h" });
  assert.equal(c.maxDownloads, 2);
  assert.equal(c.timezone, "Europe/Berlin");
  assert.equal(c.bwlimit, "08:00,512k 23:00,off");
  assert.equal(resolveConfig({}, { HOME: "/h" }).maxDownloads, 4);
});

Deno.test("a bad file names the file, the field and the reason", async () => {
  const cases: [string, RegExp][] = [
    ["{", /^np\.json:-: not valid JSON/],
    ["[]", /^np\.json:-: expected an object/],
    ['{"servr": {}}', /^np\.json:servr: unknown field/],
    ['{"server": {"prot": 1}}', /^np\.json:server\.prot: unknown setting/],
    ['{"server": {"port": "80"}}', /^np\.json:server\.port: expected a number, got "80"/],
    ['{"schedules": {"a b": {}}}', /^np\.json:schedules\.a b: a schedule name is/],
    ['{"schedules": {"x": 3}}', /^np\.json:schedules\.x: expected a schedule object/],
    ['{"schedules": {"x": {"name": "y"}}}', /^np\.json:schedules\.x\.name: the key is the name/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseConfigFile("np.json", text), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.equal(e.code, "invalid_config");
      assert.equal(e.exitCode, 2);
      assert.match(e.message, message);
      return true;
    }, text);
  }
  await assert.rejects(() => loadConfigFile("/nonexistent/np.json"), /np\.json:-: cannot read/);
});

Deno.test("an invalid bandwidth in the file is refused by resolveConfig", () => {
  const file = parseConfigFile("np.json", '{"server": {"bwlimit": "fast"}}').settings;
  assert.throws(() => resolveConfig(mergeFlags(file, {}, {}), { HOME: "/h" }), /invalid --bwlimit/);
});

Deno.test("environment beats the file for every setting, the token too; file settings are checked one by one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, "from-file\n");
    const file = parseConfigFile(
      "/etc/np.json",
      JSON.stringify({
        server: { tokenFile, logLevel: "debug", maxDownloads: 2, insecureNoAuth: true },
      }),
    );
    checkFileSettings(file);
    const fromFile = resolveConfig(mergeFlags(file.settings, {}, {}), { HOME: "/h" });
    assert.equal(fromFile.apiToken, "from-file");
    assert.equal(fromFile.logLevel, "debug");
    assert.equal(fromFile.maxDownloads, 2);
    assert.equal(fromFile.insecureNoAuth, true);
    const env = {
      HOME: "/h",
      NIGHTPULL_TOKEN: "from-env",
      NIGHTPULL_LOG_LEVEL: "warn",
      NIGHTPULL_MAX_DOWNLOADS: "6",
      NIGHTPULL_INSECURE_NO_AUTH: "0",
    };
    const fromEnv = resolveConfig(mergeFlags(file.settings, {}, env), env);
    assert.equal(fromEnv.apiToken, "from-env");
    assert.equal(fromEnv.logLevel, "warn");
    assert.equal(fromEnv.maxDownloads, 6);
    assert.equal(fromEnv.insecureNoAuth, false);
    const flags = resolveConfig(mergeFlags(file.settings, { "log-level": "error" }, env), env);
    assert.equal(flags.logLevel, "error");

    for (
      const [server, message] of [
        [{ maxDownloads: 0 }, /^\/etc\/np\.json:server\.maxDownloads: invalid "0": expected/],
        [{ logFormat: "xml" }, /^\/etc\/np\.json:server\.logFormat: invalid "xml": expected/],
        [{ tokenFile: `${dir}/nope` }, /^\/etc\/np\.json:server\.tokenFile: cannot read/],
        [{ bwlimit: "fast" }, /^\/etc\/np\.json:server\.bwlimit: invalid/],
      ] as const
    ) {
      const bad = parseConfigFile("/etc/np.json", JSON.stringify({ server }));
      assert.throws(() => checkFileSettings(bad), (err: Error & { code: string }) => {
        assert.equal(err.code, "invalid_config");
        assert.match(err.message, message);
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file values keep their JSON type and are read as such, worded for the file", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ port: 9001.5 }, /^np\.json:server\.port: invalid "9001\.5": expected a whole number/],
    [{ connections: 33 }, /^np\.json:server\.connections: invalid "33": expected .* 1 to 32$/],
    [{ allowHosts: "ok.example,a b" }, /^np\.json:server\.allowHosts: invalid entry "a b"/],
    [{ timezone: "Mars/Base" }, /^np\.json:server\.timezone: unknown timezone "Mars\/Base"/],
  ];
  for (const [server, message] of cases) {
    const file = parseConfigFile("np.json", JSON.stringify({ server }));
    assert.throws(() => checkFileSettings(file), (err: NightpullError) => {
      assert.equal(err.code, "invalid_config");
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /--/);
      return true;
    });
  }
  const ok = parseConfigFile("np.json", '{"server": {"port": 0, "insecureNoAuth": false}}');
  checkFileSettings(ok);
  assert.deepEqual(ok.settings, { port: 0, "insecure-no-auth": false });
  assert.equal(resolveConfig(mergeFlags(ok.settings, {}, {}), { HOME: "/h" }).port, 0);
});
