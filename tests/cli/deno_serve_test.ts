import assert from "node:assert/strict";
import { join } from "node:path";
import { denoServe, stopWithin } from "./_serve.ts";

const TOKEN = "deno-serve-tok-8d1";

Deno.test("deno serve main.ts: /healthz, declared schedules from NIGHTPULL_CONFIG, the token-protected tick", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-deno-serve-" });
  const config = join(dir, "nightpull.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      server: { timezone: "UTC", logFormat: "json" },
      schedules: {
        "tiny-hourly": { source: "hf:acme/tiny-model", trigger: { type: "interval", every: "1h" } },
      },
    }),
  );
  const server = denoServe({
    HOME: dir,
    HF_HOME: join(dir, "hf"),
    NIGHTPULL_DATA: dir,
    NIGHTPULL_TOKEN: TOKEN,
    NIGHTPULL_CONFIG: config,
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  try {
    const url = await server.url;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^nightpull_build_info\{/m);

    const list = await fetch(`${url}/api/v1/schedules`, { headers: auth });
    assert.equal(list.status, 200);
    assert.deepEqual((await list.json()).items.map((s: { name: string }) => s.name), [
      "tiny-hourly",
    ]);

    const anonymous = await fetch(`${url}/api/v1/scheduler/tick`, { method: "POST" });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const tick = await fetch(`${url}/api/v1/scheduler/tick`, { method: "POST", headers: auth });
    assert.equal(tick.status, 200);
    // nothing is due yet: the hourly schedule's first occurrence is an hour away
    assert.deepEqual(await tick.json(), { schedules: 0, running: 0 });
  } finally {
    const code = await stopWithin(server.child, "SIGTERM");
    await server.pumps;
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, server.log());
  }
});

Deno.test("deno serve main.ts: a broken config file ends the process with exit 2 and file:field: reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-deno-serve-" });
  const config = join(dir, "nightpull.json");
  await Deno.writeTextFile(config, JSON.stringify({ server: { historyDays: 0 } }));
  const server = denoServe({ HOME: dir, NIGHTPULL_DATA: dir, NIGHTPULL_CONFIG: config });
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      server.exited,
      new Promise<null>((r) => timer = setTimeout(() => r(null), 15_000)),
    ]);
    clearTimeout(timer);
    if (code === null) server.child.kill("SIGKILL");
    await server.pumps;
    assert.equal(code, 2, server.log());
    assert.match(server.log(), /nightpull\.json:server\.historyDays: invalid "0"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno serve main.ts: recognised without reading /proc (narrow read permission, any OS)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nightpull-deno-serve-" });
  const root = new URL("../..", import.meta.url).pathname;
  // reading is limited to the project and the data dir: /proc/self/cmdline is out of reach,
  // as it is on macOS and Windows, where it does not exist
  const server = denoServe({ HOME: dir, HF_HOME: join(dir, "hf"), NIGHTPULL_DATA: dir }, [
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    `--allow-read=${root},${dir}`,
    `--allow-write=${dir}`,
  ]);
  try {
    const url = await server.url;
    // ready means the scheduler is armed: it started without a request
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  } finally {
    const code = await stopWithin(server.child, "SIGTERM");
    await server.pumps;
    await Deno.remove(dir, { recursive: true });
    assert.equal(code, 0, server.log());
  }
});
