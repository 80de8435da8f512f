/**
 * Secrets, end to end: a real `serve` with a hub token, an API token and a webhook secret runs
 * a private repo on a schedule (webhook delivered), a one-off download that fails, manual
 * triggers; the CLI pulls with the token and fails with a revoked one. Then every log line,
 * every KV key and value, every API answer, every webhook request and every CLI output is
 * scanned: none contains any of the three secrets, except the webhook secret in the records
 * that configure a webhook (the schedule, a one-off download's spec), which signing needs.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import type { Run } from "../../src/store/records.ts";
import { nightpull, startServe } from "../cli/_serve.ts";
import { until } from "./_occurrences.ts";

const HUB_TOKEN = "hf_SECRETHUBTOKEN4b1d9e";
const API_TOKEN = "np_SECRETAPITOKEN8c2f71";
const WEBHOOK_SECRET = "whsec_SECRETHOOK0a5e3d";
const SECRETS = [HUB_TOKEN, API_TOKEN, WEBHOOK_SECRET];

Deno.test("secrets: no log, KV record, API answer, webhook or error message contains a secret", async () => {
  const hub = await startFakeHub({ repos: standardRepos(), tokens: [HUB_TOKEN] });
  const hooks: { headers: Record<string, string>; body: string }[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    hooks.push({ headers: Object.fromEntries(req.headers), body: await req.text() });
    return new Response("ok");
  });
  const hookUrl = `http://127.0.0.1:${receiver.addr.port}/hook`;
  const dir = await Deno.makeTempDir({ prefix: "nightpull-secrets-" });
  const kvPath = join(dir, "nightpull.kv");
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hub.url,
    HF_TOKEN: HUB_TOKEN,
    NIGHTPULL_TOKEN: API_TOKEN,
  };
  const serve = await startServe(
    ["--data", dir, "--kv", kvPath, "--timezone", "UTC", "--log-level", "debug"],
    env,
  );
  const base = `${serve.url}/api/v1`;
  const seen: [string, string][] = [];
  const call = async <T>(method: string, path: string, body?: unknown, token = API_TOKEN) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push([`${method} ${path} -> ${res.status}`, `${[...res.headers].join("\n")}\n${text}`]);
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  };
  let stopped = false;
  try {
    const webhook = { url: hookUrl, secret: WEBHOOK_SECRET };
    const created = await call<{ id: string; webhook: { secret: string } }>("POST", "/schedules", {
      name: "private-every-second",
      source: "hf:acme/private-model",
      layout: "local-dir",
      dir: join(dir, "private"),
      trigger: { type: "cron", expression: "* * * * * *" },
      webhook,
    });
    assert.equal(created.status, 201);
    assert.equal(created.json.webhook.secret, "***");
    const id = created.json.id;
    await until(
      () => call<{ items: Run[] }>("GET", `/schedules/${id}/runs`),
      (r) =>
        r.json.items.some((x) => x.status === "succeeded" && x.webhook?.status === "delivered"),
      20_000,
      "a succeeded run with its webhook delivered",
    );
    await call("POST", `/schedules/${id}/pause`);
    const manual = await call<Run>("POST", `/schedules/${id}/trigger`);
    assert.equal(manual.status, 202);
    const failing = await call<Run>("POST", "/downloads", {
      source: "hf:acme/no-such-model",
      retry: { attempts: 1, backoff: "1s", factor: 2, maxBackoff: "1m" },
      webhook,
    });
    assert.equal(failing.status, 202);
    const failed = await until(
      () => call<Run>("GET", `/runs/${failing.json.id}`),
      (r) => r.json.status === "failed" && r.json.webhook?.status === "delivered",
      20_000,
      "the failing download to fail and report",
    );
    assert.equal(failed.json.error?.code, "repo_not_found");
    await until(
      () => call<Run>("GET", `/runs/${manual.json.id}`),
      (r) => r.json.status === "succeeded",
      20_000,
      "the manual run",
    );
    for (
      const path of [
        "/schedules",
        `/schedules/${id}`,
        `/schedules/${id}/runs?limit=100`,
        "/time-window/status",
        "/manifest",
      ]
    ) {
      assert.equal((await call("GET", path)).status, 200, path);
    }
    assert.equal((await call("GET", "/schedules", undefined, `${API_TOKEN}x`)).status, 401);
    for (const path of ["/metrics", "/openapi.json", "/healthz", "/readyz"]) {
      const res = await fetch(`${serve.url}${path}`);
      seen.push([path, await res.text()]);
    }

    // the CLI: a pull with the token, one with a revoked token, a management command
    const cliEnv = { ...env, NIGHTPULL_URL: serve.url, NIGHTPULL_DATA: join(dir, "cli") };
    const pulled = await nightpull(["pull", "hf:acme/private-model", "--json"], cliEnv);
    assert.equal(pulled.code, 0, pulled.stderr);
    const revoked = await nightpull(["pull", "hf:acme/private-model"], {
      ...cliEnv,
      HF_TOKEN: `${HUB_TOKEN}-revoked`,
    });
    assert.equal(revoked.code, 3, revoked.stderr);
    const listed = await nightpull(["schedule", "show", id, "--json"], cliEnv);
    assert.equal(listed.code, 0, listed.stderr);
    for (const [name, out] of [["pull", pulled], ["revoked", revoked], ["show", listed]] as const) {
      seen.push([`cli ${name}`, out.stdout + out.stderr]);
    }

    assert.equal(await serve.stop("SIGTERM"), 0, serve.log());
    stopped = true;
    seen.push(["serve log", serve.log()]);
    const kv = await Deno.openKv(kvPath);
    try {
      let entries = 0;
      for await (const e of kv.list({ prefix: [] })) {
        entries++;
        seen.push([`kv ${Deno.inspect(e.key)}`, Deno.inspect(e.value, { depth: Infinity })]);
      }
      assert.ok(entries > 10, `${entries} KV entries`);
    } finally {
      kv.close();
    }
    for (const hook of hooks) {
      seen.push([`webhook ${hook.body.slice(0, 40)}`, JSON.stringify(hook)]);
    }

    // the secrets were really in play: the hub saw the token, webhooks are signed with the secret
    assert.ok(hub.requests.some((r) => r.authorization === `Bearer ${HUB_TOKEN}`));
    assert.ok(hooks.length >= 2, `${hooks.length} webhooks`);
    for (const hook of hooks) {
      const mac = createHmac("sha256", WEBHOOK_SECRET).update(hook.body).digest("hex");
      assert.equal(hook.headers["x-nightpull-signature"], `sha256=${mac}`);
    }
    // Signing needs the webhook secret, so it is kept where the webhook is configured: the
    // schedule record and a one-off download's spec (DESIGN: never in runs, logs, answers).
    const keepsSecret = /^kv \[ "np", "(schedules|downloads)", "[0-9A-Z]+" \]$/;
    const leaks: string[] = [];
    for (const [where, text] of seen) {
      for (const secret of SECRETS) {
        if (secret === WEBHOOK_SECRET && keepsSecret.test(where)) continue;
        const forms = [secret, btoa(secret), encodeURIComponent(secret)];
        if (forms.some((f) => text.includes(f))) leaks.push(`${where} contains ${secret}`);
      }
    }
    assert.deepEqual(leaks, [], `scanned ${seen.length} texts`);
    console.log(`secrets: ${seen.length} texts scanned (log, KV, API, webhooks, CLI): no secret`);
  } finally {
    if (!stopped) await serve.stop("SIGTERM");
    await receiver.shutdown();
    await hub.close();
    await Deno.remove(dir, { recursive: true });
  }
});
