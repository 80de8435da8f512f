import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../src/config.ts";
import { resolveHfToken } from "../src/hf_env.ts";
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

Deno.test("hub token: --token, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, token file, --hf-token-file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = resolveConfig({ "hf-token-file": join(dir, "extra") }, { HF_HOME: dir });
    assert.equal(config.hfTokenPath, join(dir, "token"));
    assert.equal(resolveHfToken(config, {}), undefined);
    await Deno.writeTextFile(join(dir, "extra"), "hf_from_flag\n");
    assert.equal(resolveHfToken(config, {}), "hf_from_flag");
    await Deno.writeTextFile(join(dir, "token"), " hf_from_home\r\n");
    assert.equal(resolveHfToken(config, {}), "hf_from_home");
    assert.equal(resolveHfToken(config, { HUGGING_FACE_HUB_TOKEN: "hf_old" }), "hf_old");
    // an empty HF_TOKEN falls through to the legacy name, as in huggingface_hub
    assert.equal(
      resolveHfToken(config, { HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "hf_old" }),
      "hf_old",
    );
    assert.equal(
      resolveHfToken(config, { HF_TOKEN: "hf_env", HUGGING_FACE_HUB_TOKEN: "hf_old" }),
      "hf_env",
    );
    const flagged = resolveConfig({ token: " hf_cli\n" }, { HF_HOME: dir });
    assert.equal(resolveHfToken(flagged, { HF_TOKEN: "hf_env" }), "hf_cli");
    // HF_TOKEN_PATH replaces $HF_HOME/token (expanded like huggingface_hub does)
    await Deno.writeTextFile(join(dir, "elsewhere"), "hf_from_path");
    const byPath = resolveConfig({}, {
      HF_HOME: "/nowhere",
      HF_TOKEN_PATH: "$D/elsewhere",
      D: dir,
    });
    assert.equal(byPath.hfTokenPath, join(dir, "elsewhere"));
    assert.equal(resolveHfToken(byPath, {}), "hf_from_path");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hub cache: HF_HUB_CACHE, then legacy HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub", () => {
  const rows: [string, Record<string, string>, Record<string, string>, string][] = [
    ["default", {}, {}, "/home/u/.cache/huggingface/hub"],
    ["XDG_CACHE_HOME", { XDG_CACHE_HOME: "/xdg" }, {}, "/xdg/huggingface/hub"],
    ["HF_HOME", { HF_HOME: "/hf" }, {}, "/hf/hub"],
    ["legacy over HF_HOME", { HF_HOME: "/hf", HUGGINGFACE_HUB_CACHE: "/legacy" }, {}, "/legacy"],
    ["new over legacy", { HUGGINGFACE_HUB_CACHE: "/legacy", HF_HUB_CACHE: "/new" }, {}, "/new"],
    ["flag over all", { HF_HUB_CACHE: "/new" }, { "cache-dir": "/flag" }, "/flag"],
    ["~ in HF_HOME (systemd)", { HF_HOME: "~/x" }, {}, "/home/u/x/hub"],
    ["$VAR in HF_HUB_CACHE", { HF_HUB_CACHE: "$SRV/hub", SRV: "/srv" }, {}, "/srv/hub"],
    ["${VAR} in legacy", { HUGGINGFACE_HUB_CACHE: "${SRV}/c", SRV: "/srv" }, {}, "/srv/c"],
    ["unset $VAR stays", { HF_HUB_CACHE: "/a/$NOPE/b" }, {}, "/a/$NOPE/b"],
    ["~ in --cache-dir", {}, { "cache-dir": "~/c" }, "/home/u/c"],
  ];
  for (const [name, env, flags, want] of rows) {
    assert.equal(resolveConfig(flags, { ...HOME, ...env }).hubCache, want, name);
  }
});

Deno.test("~ and $VAR expand in the data dir and KV path; :memory: and URLs do not", () => {
  const env = { ...HOME, NIGHTPULL_DATA: "~/np", KVDIR: "/kv" };
  const c = resolveConfig({}, env);
  assert.equal(c.dataDir, "/home/u/np");
  assert.equal(c.kv, "/home/u/np/nightpull.kv");
  assert.equal(resolveConfig({ kv: "$KVDIR/a.kv" }, env).kv, "/kv/a.kv");
  assert.equal(resolveConfig({ kv: ":memory:" }, env).kv, ":memory:");
  assert.equal(resolveConfig({ kv: "https://kv.example/$X" }, env).kv, "https://kv.example/$X");
});

Deno.test("HF_HUB_OFFLINE, HF_HUB_DISABLE_SYMLINKS and the timeouts as huggingface_hub reads them", () => {
  const truthy = ["1", "ON", "yes", "True"];
  for (const v of truthy) {
    assert.equal(resolveConfig({}, { ...HOME, HF_HUB_OFFLINE: v }).offline, true, v);
    assert.equal(resolveConfig({}, { ...HOME, HF_HUB_DISABLE_SYMLINKS: v }).disableSymlinks, true);
  }
  for (const v of ["0", "off", "", "no"]) {
    assert.equal(resolveConfig({}, { ...HOME, HF_HUB_OFFLINE: v }).offline, false, v);
  }
  assert.equal(resolveConfig({}, HOME).offline, false);
  assert.equal(resolveConfig({}, HOME).disableSymlinks, false);
  assert.equal(resolveConfig({}, { ...HOME, TRANSFORMERS_OFFLINE: "1" }).offline, true);
  const t = resolveConfig({}, { ...HOME, HF_HUB_DOWNLOAD_TIMEOUT: "5", HF_HUB_ETAG_TIMEOUT: "2" });
  assert.equal(t.downloadTimeoutMs, 5000);
  assert.equal(t.etagTimeoutMs, 2000);
  assert.equal(resolveConfig({}, HOME).downloadTimeoutMs, undefined);
  assert.equal(resolveConfig({}, { ...HOME, HF_HUB_ETAG_TIMEOUT: "0" }).etagTimeoutMs, undefined);
  assert.throws(
    () => resolveConfig({}, { ...HOME, HF_HUB_DOWNLOAD_TIMEOUT: "ten" }),
    /invalid HF_HUB_DOWNLOAD_TIMEOUT "ten": expected a whole number of seconds/,
  );
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

Deno.test("API token: whitespace-only NIGHTPULL_TOKEN or token file is refused; others trimmed", async () => {
  const file = await Deno.makeTempFile();
  try {
    for (const blank of [" ", "\t", "\n", " \r\n "]) {
      assert.throws(
        () => resolveConfig({}, { ...HOME, NIGHTPULL_TOKEN: blank }),
        (err: NightpullError) =>
          err.code === "usage" && err.exitCode === 2 &&
          /NIGHTPULL_TOKEN is empty/.test(err.message),
        JSON.stringify(blank),
      );
      await Deno.writeTextFile(file, blank);
      assert.throws(
        () => resolveConfig({ "token-file": file }, HOME),
        (err: NightpullError) =>
          err.code === "usage" && /--token-file .* is empty/.test(err.message),
      );
    }
    assert.equal(resolveConfig({}, { ...HOME, NIGHTPULL_TOKEN: "  tok \n" }).apiToken, "tok");
    assert.equal(resolveConfig({}, { ...HOME, NIGHTPULL_TOKEN: "" }).apiToken, undefined);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("--allow-origin and --allow-hosts: lists checked, bad entries named", () => {
  const c = resolveConfig(
    { "allow-origin": "http://ui.example:3000, https://x.example/", "allow-hosts": "127.0.0.1" },
    { ...HOME, NIGHTPULL_ALLOW_HOSTS: "ignored.example" },
  );
  assert.deepEqual(c.allowOrigins, ["http://ui.example:3000", "https://x.example"]);
  assert.deepEqual(c.allowHosts, ["127.0.0.1"]);
  const env = resolveConfig({}, { ...HOME, NIGHTPULL_ALLOW_HOSTS: "*.Example.com,10.0.0.0/8,::1" });
  assert.deepEqual(env.allowHosts, ["*.example.com", "10.0.0.0/8", "::1"]);
  assert.deepEqual(resolveConfig({}, HOME).allowOrigins, []);
  for (const bad of ["ui.example", "http://ui.example/app", "file:///x", "*"]) {
    assert.throws(() => resolveConfig({ "allow-origin": bad }, HOME), /invalid --allow-origin/);
  }
  for (const bad of ["http://x", "10.0.0.0/33", "a b", "*"]) {
    assert.throws(() => resolveConfig({ "allow-hosts": bad }, HOME), /invalid --allow-hosts/);
  }
});

Deno.test("an empty environment variable counts as unset; the next one named is read", () => {
  const empty = {
    ...HOME,
    NIGHTPULL_HOST: "",
    NIGHTPULL_TIMEZONE: "",
    NIGHTPULL_PORT: "",
    HF_HUB_CACHE: "",
    HUGGINGFACE_HUB_CACHE: "/legacy",
  };
  const c = resolveConfig({}, empty);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8080);
  assert.equal(c.hubCache, "/legacy");
  assert.equal(c.timezone, resolveConfig({}, HOME).timezone);
  // a flag given as empty text is given: the flag wins
  assert.equal(resolveConfig({ host: "" }, { ...HOME, NIGHTPULL_HOST: "h" }).host, "");
});

Deno.test("the default time zone is the system's, looked up when first read; a given one at once", () => {
  const c = resolveConfig({}, HOME);
  assert.equal(c.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  assert.equal({ ...c }.timezone, c.timezone, "a copy of the config carries the zone");
  assert.equal(resolveConfig({ timezone: "Europe/Berlin" }, HOME).timezone, "Europe/Berlin");
  assert.equal(
    resolveConfig({}, { ...HOME, NIGHTPULL_TIMEZONE: "Asia/Tokyo" }).timezone,
    "Asia/Tokyo",
  );
  // a bad zone given is still refused when the config is built, not when first read
  assert.throws(() => resolveConfig({}, { ...HOME, NIGHTPULL_TIMEZONE: "Mars/Base" }), /Mars/);
});
