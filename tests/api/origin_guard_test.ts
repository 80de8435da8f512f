import assert from "node:assert/strict";
import { type OriginPolicy, originRefusal, parseHostHeader } from "../../src/api/origin_guard.ts";
import { dumpKv, startApi } from "./_app.ts";

const policy = (extra: Partial<OriginPolicy> = {}): OriginPolicy => ({
  hosts: ["127.0.0.1"],
  port: () => 8080,
  allowOrigins: [],
  ...extra,
});

const CASES: [
  name: string,
  host: string,
  origin: string | undefined,
  ok: boolean,
  p?: OriginPolicy,
][] = [
  ["127.0.0.1 with our port", "127.0.0.1:8080", undefined, true],
  ["localhost with our port", "localhost:8080", undefined, true],
  ["LOCALHOST in capitals", "LOCALHOST:8080", undefined, true],
  ["[::1] with our port", "[::1]:8080", undefined, true],
  ["another 127/8 address", "127.0.0.2:8080", undefined, true],
  ["same origin sent by a browser", "localhost:8080", "http://localhost:8080", true],
  ["configured host", "box.lan:8080", undefined, true, policy({ hosts: ["box.lan"] })],
  ["rebinding name", "attacker.example:8080", "http://attacker.example:8080", false],
  ["rebinding name without Origin", "attacker.example:8080", undefined, false],
  ["loopback-looking suffix", "localhost.attacker.example:8080", undefined, false],
  ["userinfo trick", "127.0.0.1:8080@evil.example", undefined, false],
  ["another port", "127.0.0.1:9999", undefined, false],
  ["no port when ours is 8080", "127.0.0.1", undefined, false],
  ["empty Host", "", undefined, false],
  ["foreign Origin", "127.0.0.1:8080", "http://evil.example", false],
  ["Origin on another port", "127.0.0.1:8080", "http://127.0.0.1:3000", false],
  ["Origin https of the same host", "127.0.0.1:8080", "https://127.0.0.1:8080", false],
  ["Origin null (sandboxed page)", "127.0.0.1:8080", "null", false],
  ["Origin localhost vs Host 127.0.0.1", "127.0.0.1:8080", "http://localhost:8080", false],
  [
    "--allow-origin names it",
    "127.0.0.1:8080",
    "http://ui.example:3000",
    true,
    policy({ allowOrigins: ["http://ui.example:3000"] }),
  ],
  ["wildcard --host is no name", "0.0.0.0:8080", undefined, false, policy({ hosts: ["0.0.0.0"] })],
  [
    "--insecure-no-auth: a LAN address",
    "192.168.1.5:8080",
    "http://192.168.1.5:8080",
    true,
    policy({ anyAddress: true }),
  ],
  [
    "--insecure-no-auth: still no DNS name",
    "attacker.example:8080",
    undefined,
    false,
    policy({ anyAddress: true }),
  ],
  ["a LAN address without --insecure-no-auth", "192.168.1.5:8080", undefined, false],
  ["port unknown: any port", "localhost:1234", undefined, true, policy({ port: () => undefined })],
];

for (const [name, host, origin, ok, p] of CASES) {
  Deno.test(`origin guard: ${name} -> ${ok ? "passes" : "403"}`, () => {
    const reason = originRefusal(host, origin, p ?? policy());
    assert.equal(reason === null, ok, reason ?? "passed");
  });
}

Deno.test("Host header parsing keeps IPv6 brackets apart from the port", () => {
  assert.deepEqual(parseHostHeader("[::1]:80"), { name: "::1", port: 80 });
  assert.deepEqual(parseHostHeader("Example.COM."), { name: "example.com", port: undefined });
  assert.equal(parseHostHeader("a b:1"), null);
});

Deno.test("without a token, /api/v1 answers a foreign Origin 403 forbidden_origin; probes stay open", async () => {
  const api = await startApi();
  try {
    const before = await dumpKv(api.kv);
    const bad = await api.call("GET", "/api/v1/schedules", undefined, {
      origin: "http://evil.example",
    });
    assert.equal(bad.status, 403);
    assert.equal(bad.json.error.code, "forbidden_origin");
    assert.match(bad.json.error.message, /--allow-origin/);
    assert.match(bad.json.error.message, /NIGHTPULL_TOKEN/);
    assert.equal(bad.headers.get("access-control-allow-origin"), null);
    const rebound = await api.call("POST", "/api/v1/downloads", { source: "hf:acme/x" }, {
      host: "attacker.example:8080",
    });
    assert.equal(rebound.status, 403);
    assert.deepEqual(await dumpKv(api.kv), before);
    for (const path of ["/healthz", "/metrics"]) {
      const open = await api.call("GET", path, undefined, { host: "attacker.example" });
      assert.equal(open.status, 200, path);
    }
    assert.equal((await api.call("GET", "/api/v1/schedules")).status, 200);
  } finally {
    await api.close();
  }
});
