import assert from "node:assert/strict";
import { checkExposure, isLoopback, listenUrl } from "../../src/cli/serve.ts";
import { denoServe, isolatedEnv, nightpull, startServe, stopWithin } from "./_serve.ts";

Deno.test("isLoopback and checkExposure: no token beyond loopback unless insecure", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.org", "128.0.0.1"]) {
    assert.equal(isLoopback(host), false, host);
  }
  assert.throws(
    () => checkExposure({ host: "0.0.0.0", insecureNoAuth: false }),
    /refusing to listen on 0\.0\.0\.0 without a token/,
  );
  checkExposure({ host: "0.0.0.0", apiToken: "t", insecureNoAuth: false });
  checkExposure({ host: "0.0.0.0", insecureNoAuth: true });
  assert.equal(listenUrl("::1", 80), "http://[::1]:80");
});

Deno.test("serve refuses bad flags and a public address without a token (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-serve-" });
  try {
    const env = isolatedEnv(dir);
    const open = await nightpull(["serve", "--host", "0.0.0.0", "--port", "0", "--data", dir], env);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
    assert.match(open.stderr, /--insecure-no-auth/);
    const flag = await nightpull(["serve", "--prot", "1"], env);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--prot/);
    const port = await nightpull(["serve", "--port", "70000", "--data", dir], env);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /invalid --port "70000"/);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const busy = await nightpull(
        ["serve", "--port", String((listener.addr as Deno.NetAddr).port), "--data", dir],
        env,
      );
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /address is in use/);
    } finally {
      listener.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve with a token file: /api/v1 needs it, probes do not; state survives a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-serve-" });
  const tokenFile = `${dir}/token`;
  await Deno.writeTextFile(tokenFile, "file-token-5e2\n");
  const args = [
    "--data",
    dir,
    "--token-file",
    tokenFile,
    "--host",
    "0.0.0.0",
    "--log-format",
    "json",
  ];
  const first = await startServe(args, isolatedEnv(dir));
  const local = first.url.replace("0.0.0.0", "127.0.0.1");
  const auth = { authorization: "Bearer file-token-5e2" };
  let id: string;
  try {
    const line = first.log().split("\n").find((l) => l.includes("serve.listening"))!;
    const event = JSON.parse(line);
    assert.equal(event.auth, "token");
    assert.match(event.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    const denied = await fetch(`${local}/api/v1/schedules`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const ready = await fetch(`${local}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready", kv: "ok", engine: "armed" });
    const created = await fetch(`${local}/api/v1/schedules`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        source: "hf:acme/tiny-model",
        trigger: { type: "cron", expression: "0 3 * * *" },
      }),
    });
    assert.equal(created.status, 201);
    id = (await created.json()).id;
  } finally {
    assert.equal(await first.stop("SIGTERM"), 0, first.log());
  }
  assert.match(first.log(), /serve\.stopped/);
  const second = await startServe(args, isolatedEnv(dir));
  try {
    const res = await fetch(
      `${second.url.replace("0.0.0.0", "127.0.0.1")}/api/v1/schedules/${id}`,
      {
        headers: auth,
      },
    );
    assert.equal(res.status, 200);
    assert.equal((await res.json()).id, id);
  } finally {
    assert.equal(await second.stop("SIGINT"), 0, second.log());
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno serve main.ts starts nightpull from the environment", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-serve-" });
  const served = denoServe(isolatedEnv(dir, { NIGHTPULL_DATA: dir, NIGHTPULL_TIMEZONE: "UTC" }));
  const { child, pumps } = served;
  try {
    const url = await served.url;
    // the scheduler is armed at launch, before any request
    const deadline = Date.now() + 10_000;
    let ready: Response;
    for (;;) {
      ready = await fetch(`${url}/readyz`);
      if (ready.status === 200 || Date.now() > deadline) break;
      await ready.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ready.status, 200, served.log());
    await ready.body?.cancel();
    const list = await fetch(`${url}/api/v1/schedules`);
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { items: [], nextCursor: null });
    await Deno.stat(`${dir}/nightpull.kv`);
  } finally {
    const code = await stopWithin(child, "SIGTERM");
    await pumps;
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, `deno serve exits 0 on SIGTERM:\n${served.log()}`);
  }
});
