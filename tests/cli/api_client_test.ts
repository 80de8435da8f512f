import assert from "node:assert/strict";
import { ApiClient, responseError } from "../../src/cli/api_client.ts";
import { NightpullError } from "../../src/errors.ts";

/** A loopback server recording requests and answering from `answer`. */
function serve(answer: (req: Request) => Response | Promise<Response>) {
  const seen: { method: string; url: string; auth: string | null; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({
      method: req.method,
      url: req.url,
      auth: req.headers.get("authorization"),
      body: await req.text(),
    });
    return answer(req);
  });
  return { server, seen, url: `http://127.0.0.1:${server.addr.port}` };
}

Deno.test("requests carry the token, the query and a JSON body; answers are parsed", async () => {
  const { server, seen, url } = serve(() => Response.json({ items: [], nextCursor: null }));
  try {
    const api = new ApiClient(url + "/", "tok");
    assert.deepEqual(await api.get("/api/v1/schedules", { limit: 5, cursor: undefined }), {
      items: [],
      nextCursor: null,
    });
    await api.post("/api/v1/schedules", { source: "hf:a/b" }, { force: true });
    assert.equal(seen[0].method, "GET");
    assert.equal(seen[0].url, `${url}/api/v1/schedules?limit=5`);
    assert.equal(seen[0].auth, "Bearer tok");
    assert.equal(seen[1].url, `${url}/api/v1/schedules?force=true`);
    assert.deepEqual(JSON.parse(seen[1].body), { source: "hf:a/b" });
    await new ApiClient(url).get("/x");
    assert.equal(seen[2].auth, null);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the server's error body comes back as a NightpullError with its code", async () => {
  const { server, url } = serve(() =>
    Response.json(
      { error: { code: "invalid_cron", message: "bad cron", details: { field: "x" } } },
      {
        status: 422,
      },
    )
  );
  try {
    const err = await new ApiClient(url).get("/y").catch((e) => e);
    assert.ok(err instanceof NightpullError);
    assert.equal(err.code, "invalid_cron");
    assert.equal(err.message, "bad cron");
    assert.equal(err.exitCode, 2);
    assert.deepEqual(err.details, { field: "x" });
  } finally {
    await server.shutdown();
  }
});

Deno.test("foreign error bodies map by status", () => {
  assert.equal(responseError(401, "nope", "u").exitCode, 3);
  assert.equal(responseError(404, "<html>", "u").exitCode, 4);
  assert.equal(
    responseError(422, '{"error":{"code":"new_code","message":"m"}}', "u").code,
    "invalid_input",
  );
  assert.equal(responseError(502, "", "u").exitCode, 1);
  assert.match(
    responseError(500, "oops", "http://h").message,
    /http:\/\/h answered HTTP 500: oops/,
  );
});

Deno.test("nothing listening: exit 1 and how to start the server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const err = await new ApiClient(`http://127.0.0.1:${port}`).get("/z").catch((e) => e);
  assert.ok(err instanceof NightpullError);
  assert.equal(err.code, "server_unreachable");
  assert.equal(err.exitCode, 1);
  assert.match(
    err.message,
    new RegExp(
      `cannot reach nightpull at http://127.0.0.1:${port}: start it with \`nightpull serve\``,
    ),
  );
});
