/** `keepRevisions` and `prune` on schedules: strict, each only where it means something. */
import assert from "node:assert/strict";
import { cronBody, dumpKv, startApi } from "./_app.ts";

Deno.test("schedules: keepRevisions and prune are validated (422, nothing written) and stored", async () => {
  const t = await startApi();
  try {
    const before = await dumpKv(t.kv);
    const refused: [Record<string, unknown>, string][] = [
      [{ keepRevisions: 0 }, "keepRevisions"],
      [{ keepRevisions: 1.5 }, "keepRevisions"],
      [{ keepRevisions: "2" }, "keepRevisions"],
      [{ keepRevisions: 2, layout: "local-dir", dir: "/srv/x" }, "keepRevisions"],
      [{ prune: true }, "prune"],
      [{ prune: "yes", layout: "local-dir", dir: "/srv/x" }, "prune"],
      [{ source: "https://example.org/a.iso", prune: true }, "prune"],
    ];
    for (const [extra, field] of refused) {
      const res = await t.call("POST", "/api/v1/schedules", cronBody(extra));
      assert.equal(res.status, 422, JSON.stringify(extra));
      assert.match(JSON.stringify(res.json), new RegExp(field), JSON.stringify(res.json));
    }
    assert.deepEqual(await dumpKv(t.kv), before, "a refused body writes nothing");

    const kept = await t.call("POST", "/api/v1/schedules", cronBody({ keepRevisions: 2 }));
    assert.equal(kept.status, 201, kept.text);
    assert.equal(kept.json.keepRevisions, 2);
    const patched = await t.call("PATCH", `/api/v1/schedules/${kept.json.id}`, {
      keepRevisions: null,
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.keepRevisions, undefined, "null removes it: keep all");
    const local = await t.call(
      "POST",
      "/api/v1/schedules",
      cronBody({ name: "local", layout: "local-dir", dir: "/srv/tiny", prune: true }),
    );
    assert.equal(local.status, 201, local.text);
    assert.equal(local.json.prune, true);
  } finally {
    await t.close();
  }
});
