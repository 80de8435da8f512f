import assert from "node:assert/strict";
import { join } from "node:path";
import { standardRepos, startFakeHub } from "../../fixtures/fake_hub.ts";
import { readEvents } from "../../src/cli/sse_reader.ts";
import type { Run } from "../../src/store/records.ts";
import { nightpull, startServe } from "../cli/_serve.ts";

// none of them looks like a hub token (hf_…) or follows "Bearer ": only real care keeps them out
const HUB_TOKEN = "hub-tok-Q7wz93xLp";
const API_TOKEN = "api-tok-Z81kqVv2";
const WEBHOOK_SECRET = "hook-sec-M3nbR4tt";
const SECRETS = [HUB_TOKEN, API_TOKEN, WEBHOOK_SECRET];

/** Everything a scenario saw, for the grep. */
interface Seen {
  log: string;
  texts: string[];
}

async function scenario(format: "text" | "json", hubUrl: string, hookUrl: string): Promise<Seen> {
  const dir = await Deno.makeTempDir({ prefix: `nightpull-secrets-${format}-` });
  const env = {
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    HF_ENDPOINT: hubUrl,
    HF_TOKEN: HUB_TOKEN,
    NIGHTPULL_TOKEN: API_TOKEN,
  };
  const texts: string[] = [];
  const serve = await startServe(
    ["--data", dir, "--log-format", format, "--log-level", "debug"],
    env,
  );
  const api = `${serve.url}/api/v1`;
  const call = async (method: string, path: string, body?: unknown, token = API_TOKEN) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    texts.push(text);
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const follow = async (runId: string): Promise<Run> => {
    const res = await fetch(`${api}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    let end: Run | null = null;
    for await (const e of readEvents(res.body!)) {
      texts.push(e.data);
      if (e.event === "end") end = JSON.parse(e.data);
    }
    return end!;
  };
  try {
    // a private repo (the hub token is needed) with a signed webhook
    const created = await call("POST", "/schedules", {
      name: "private-nightly",
      source: "hf:acme/private-model",
      layout: "local-dir",
      dir: join(dir, "private"),
      trigger: { type: "cron", expression: "0 2 * * *" },
      webhook: { url: hookUrl, secret: WEBHOOK_SECRET },
    });
    assert.equal(created.status, 201);
    const id = created.json.id;
    const run = await call("POST", `/schedules/${id}/trigger`);
    const done = await follow(run.json.id);
    assert.equal(done.status, "succeeded", JSON.stringify(done));
    // a hub URL (the token goes along) with a wrong hash: fails, retries, fails
    const bad = await call("POST", "/downloads", {
      source: `${hubUrl}/acme/private-model/resolve/main/weights.bin`,
      sha256: "e".repeat(64),
      dir: join(dir, "urls"),
      retry: { attempts: 2, backoff: "1s", maxBackoff: "1s" },
      webhook: { url: hookUrl, secret: WEBHOOK_SECRET },
    });
    const failed = await follow(bad.json.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error?.code, "checksum_mismatch");
    // both webhooks are out before the server stops
    for (const runId of [run.json.id, bad.json.id]) {
      const deadline = Date.now() + 10_000;
      while ((await call("GET", `/runs/${runId}`)).json.webhook?.status !== "delivered") {
        assert.ok(Date.now() < deadline, `webhook of ${runId} not delivered`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // the secret in places a careless server might echo
    assert.equal((await call("GET", `/schedules/${id}`)).json.webhook.secret, "***");
    assert.equal((await call("GET", "/schedules", undefined, `${API_TOKEN}x`)).status, 401);
    await call("GET", `/schedules?token=${API_TOKEN}`);
    await call("PATCH", `/schedules/${id}`, {
      webhook: { url: hookUrl, secret: WEBHOOK_SECRET },
      bogus: HUB_TOKEN,
    });
    // the CLI against the same server
    const cli = await nightpull(["schedule", "show", id, "--json"], {
      ...env,
      NIGHTPULL_URL: serve.url,
    });
    assert.equal(cli.code, 0, cli.stderr);
    texts.push(cli.stdout, cli.stderr);
    const metrics = await fetch(`${serve.url}/metrics`);
    texts.push(await metrics.text());
  } finally {
    assert.equal(await serve.stop(), 0, serve.log());
    await Deno.remove(dir, { recursive: true });
  }
  return { log: serve.log(), texts };
}

Deno.test("no secret (hub token, API token, webhook secret) reaches the logs in either format, responses or webhooks", async () => {
  const hub = await startFakeHub({ repos: standardRepos(), tokens: [HUB_TOKEN] });
  const hooks: { body: string; signature: string | null }[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    hooks.push({ body: await req.text(), signature: req.headers.get("x-nightpull-signature") });
    return new Response(null, { status: 204 });
  });
  const hookUrl = `http://127.0.0.1:${receiver.addr.port}/hook`;
  try {
    const [text, json] = await Promise.all([
      scenario("text", hub.url, hookUrl),
      scenario("json", hub.url, hookUrl),
    ]);
    // the logs cover the events of the contract, one line each
    for (const { log } of [text, json]) {
      for (
        const event of [
          "schedule.created",
          "run.planned",
          "run.claimed",
          "run.started",
          "run.retry",
          "run.finished",
          "webhook.delivered",
          "pull.file",
          "api.request",
        ]
      ) assert.match(log, new RegExp(`\\b${event.replace(".", "\\.")}\\b`), `${event}:\n${log}`);
    }
    const jsonLines = json.log.split("\n").filter((l) => l.startsWith("{"));
    assert.ok(jsonLines.length > 20);
    for (const line of jsonLines) assert.ok(JSON.parse(line).event, line);
    assert.ok(text.log.split("\n").some((l) => / INFO {2}run\.finished /.test(l)));

    assert.equal(hooks.length, 4, "two runs per scenario, each with a webhook");
    for (const hook of hooks) assert.match(hook.signature ?? "", /^sha256=[0-9a-f]{64}$/);
    // the token reached the hub, so the private repo was really read with it
    assert.ok(hub.requests.some((r) => r.path.includes("private-model")));

    const everything = [
      text.log,
      json.log,
      ...text.texts,
      ...json.texts,
      ...hooks.map((h) => h.body),
    ];
    for (const secret of SECRETS) {
      for (const output of everything) {
        assert.ok(!output.includes(secret), `${secret} leaked in:\n${output}`);
      }
    }
  } finally {
    await receiver.shutdown();
    await hub.close();
  }
});
