import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig, resolveHfToken } from "../src/config.ts";
import { NightpullError } from "../src/errors.ts";

const HOME = { HOME: "/home/u" };

Deno.test("defaults follow XDG and huggingface_hub conventions", () => {
  const c = resolveConfig({}, HOME);
  assert.equal(c.dataDir, "/home/u/.local/share/nightpull");
  assert.equal(c.kv, "/home/u/.local/share/nightpull/nightpull.kv");
  assert.equal(c.hubCache, "/home/u/.cache/huggingface/hub");
  assert.equal(c.hfEndpoint, "https://huggingface.co");
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8080);
  assert.equal(c.historyDays, 30);
  assert.equal(c.maxDownloads, 4);
  assert.equal(c.server, "http://127.0.0.1:8080");
  assert.equal(c.downloadsDir, "/home/u/.local/share/nightpull/downloads");
});

Deno.test("environment overrides defaults and flags override the environment", () => {
  const env = {
    ...HOME,
    NIGHTPULL_DATA: "/srv/np",
    HF_HOME: "/hf",
    HF_ENDPOINT: "http://127.0.0.1:9/",
    NIGHTPULL_URL: "http://h:1/",
    NIGHTPULL_TOKEN: "tok",
  };
  const c = resolveConfig({}, env);
  assert.equal(c.dataDir, "/srv/np");
  assert.equal(c.kv, "/srv/np/nightpull.kv");
  assert.equal(c.hubCache, "/hf/hub");
  assert.equal(c.hfEndpoint, "http://127.0.0.1:9");
  assert.equal(c.server, "http://h:1");
  assert.equal(c.apiToken, "tok");
  const f = resolveConfig({ data: "/d", kv: ":memory:", "cache-dir": "/c", port: "0" }, env);
  assert.equal(f.dataDir, "/d");
  assert.equal(f.kv, ":memory:");
  assert.equal(f.hubCache, "/c");
  assert.equal(f.port, 0);
  assert.equal(resolveConfig({}, { ...env, HF_HUB_CACHE: "/cache" }).hubCache, "/cache");
});

Deno.test("bad values are refused with what would be right", () => {
  const bad: [Parameters<typeof resolveConfig>[0], RegExp][] = [
    [{ port: "99999" }, /invalid --port "99999": expected a whole number from 1 to 65535/],
    [{ "max-downloads": "0" }, /--max-downloads "0"/],
    [{ "log-format": "xml" }, /expected one of text, json/],
    [{ timezone: "Mars/Base" }, /unknown timezone "Mars\/Base"/],
  ];
  for (const [flags, message] of bad) {
    assert.throws(() => resolveConfig(flags, HOME), (e: unknown) => {
      assert.ok(e instanceof NightpullError);
      assert.match(e.message, message);
      assert.equal(e.exitCode, 2);
      return true;
    });
  }
});

Deno.test("hub token: HF_TOKEN, then $HF_HOME/token, then --hf-token-file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = resolveConfig({ "hf-token-file": join(dir, "extra") }, { HF_HOME: dir });
    assert.equal(resolveHfToken(config, {}), undefined);
    await Deno.writeTextFile(join(dir, "extra"), "hf_from_flag\n");
    assert.equal(resolveHfToken(config, {}), "hf_from_flag");
    await Deno.writeTextFile(join(dir, "token"), "hf_from_home\n");
    assert.equal(resolveHfToken(config, {}), "hf_from_home");
    assert.equal(resolveHfToken(config, { HF_TOKEN: "hf_env" }), "hf_env");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("API token from --token-file wins over NIGHTPULL_TOKEN", async () => {
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "secret-from-file\n");
    const c = resolveConfig({ "token-file": file }, { ...HOME, NIGHTPULL_TOKEN: "env" });
    assert.equal(c.apiToken, "secret-from-file");
    assert.throws(() => resolveConfig({ "token-file": file + ".missing" }, HOME), /cannot read/);
  } finally {
    await Deno.remove(file);
  }
});
