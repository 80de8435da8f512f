/**
 * Hostile input against a real `serve`: 1,000 generated malformed or adversarial requests
 * (see ./_hostile.ts). Zero 5xx, every answer a 4xx in the `{"error": {code, message}}`
 * shape, and the KV — read by this process from the server's KV file after every request —
 * unchanged, key by key and versionstamp by versionstamp.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chaos } from "../long/_chaos.ts";
import { nightpull, startServe } from "../cli/_serve.ts";
import { api } from "./_occurrences.ts";
import { type HostileRequest, hostileRequests } from "./_hostile.ts";
import { rawExchange } from "./_raw_http.ts";

/** One HTTP/1.1 request on a raw socket, so `Host` is exactly the one given. */
async function rawRequest(
  port: number,
  req: HostileRequest,
): Promise<{ status: number; text: string }> {
  const body = req.body === undefined
    ? ""
    : typeof req.body === "string"
    ? req.body
    : JSON.stringify(req.body);
  let head = `${req.method} /api/v1${req.path} HTTP/1.1\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(req.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body) {
    head += `Content-Type: ${req.contentType ?? "application/json"}\r\n` +
      `Content-Length: ${new TextEncoder().encode(body).length}\r\n`;
  }
  const res = await rawExchange(port, head + "\r\n" + body);
  return { status: res.status, text: res.body };
}

/** Every entry of the KV as `key versionstamp` lines: any write changes a versionstamp. */
async function dump(kv: Deno.Kv): Promise<string> {
  const lines: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    lines.push(`${Deno.inspect(e.key)} ${e.versionstamp}`);
  }
  return lines.join("\n");
}

Deno.test("hostile input: 1,000 adversarial requests, zero 5xx, all in the error shape, KV unchanged", async () => {
  const rnd = chaos("hostile input");
  const dir = await Deno.makeTempDir({ prefix: "nightpull-hostile-" });
  const kvPath = join(dir, "nightpull.kv");
  const serve = await startServe(["--data", dir, "--kv", kvPath, "--timezone", "UTC"], {
    HOME: dir,
    NIGHTPULL_TOKEN: "",
  });
  const base = `${serve.url}/api/v1`;
  const kv = await Deno.openKv(kvPath);
  try {
    const ids: string[] = [];
    for (
      const trigger of [
        { type: "cron", expression: "0 0 1 1 *" },
        { type: "interval", every: "6h" },
        { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
      ]
    ) {
      const s = await api<{ id: string }>(`${base}/schedules`, "POST", {
        name: `target-${ids.length}`,
        source: "hf:acme/tiny-model",
        trigger,
        webhook: { url: "https://example.org/hook", secret: "s3cret" },
      });
      ids.push(s.id);
    }
    await api(`${base}/schedules/${ids[1]}/pause`, "POST");
    const before = await dump(kv);
    const port = Number(new URL(serve.url).port);
    const requests = hostileRequests(ids, rnd.next, 1000, port);
    assert.ok(requests.some((r) => r.headers?.host?.startsWith("attacker.example")));
    assert.equal(requests.length, 1000);
    const byStatus = new Map<number, number>();
    const failures: string[] = [];
    for (const req of requests) {
      let res: { status: number };
      let text: string;
      if (req.headers?.host !== undefined) {
        ({ text, ...res } = await rawRequest(port, req));
      } else {
        const headers: Record<string, string> = { ...req.headers };
        let body: string | undefined;
        if (req.body !== undefined) {
          body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
          headers["content-type"] = req.contentType ?? "application/json";
        }
        const answer = await fetch(`${base}${req.path}`, { method: req.method, headers, body });
        res = answer;
        text = await answer.text();
      }
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      let shaped = false;
      try {
        const json = JSON.parse(text);
        shaped = typeof json?.error?.code === "string" && typeof json.error.message === "string";
      } catch {
        shaped = false;
      }
      if (res.status < 400 || res.status >= 500 || !shaped) {
        failures.push(`${req.label}: ${res.status} ${text.slice(0, 200)}`);
      }
      const after = await dump(kv);
      if (after !== before) {
        failures.push(`${req.label}: changed the KV (${res.status} ${text.slice(0, 120)})`);
        break;
      }
    }
    console.log(
      `hostile input: ${requests.length} requests; statuses ${
        [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ")
      }`,
    );
    assert.deepEqual(failures, [], "every hostile request refused with a 4xx error, KV untouched");
    const health = await fetch(`${serve.url}/healthz`);
    assert.equal(health.status, 200, "the server is still well");
    await health.body?.cancel();
  } finally {
    kv.close();
    const code = await serve.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, serve.log());
  }
});

Deno.test("hostile input: a whitespace-only NIGHTPULL_TOKEN stops serve with exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-hostile-token-" });
  try {
    for (const token of [" ", "\t", "  \n  "]) {
      const data = join(dir, "data");
      const out = await nightpull(["serve", "--port", "0", "--data", data], {
        HOME: dir,
        NIGHTPULL_TOKEN: token,
      });
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /NIGHTPULL_TOKEN is empty or only whitespace/);
      await assert.rejects(Deno.stat(data), Deno.errors.NotFound);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
