import assert from "node:assert/strict";
import type { Executor } from "../../src/schedule/engine/engine.ts";
import type { DownloadSpec } from "../../src/store/records.ts";
import { cronBody, startApi } from "./_app.ts";

Deno.test('"verify": "always" reaches the pull of a one-off download and of a schedule', async () => {
  const specs: DownloadSpec[] = [];
  const execute: Executor = ({ spec }) => {
    specs.push(spec);
    return Promise.resolve({
      commit: "abc123",
      files: { total: 1, done: 0, skipped: 1 },
      bytes: 0,
    });
  };
  const api = await startApi({ execute });
  try {
    const res = await api.call("POST", "/api/v1/downloads", {
      source: "hf:acme/tiny-model",
      verify: "always",
    });
    assert.equal(res.status, 202, res.text);
    await api.engine.idle();
    assert.equal(specs[0].verify, "always");

    const created = await api.call("POST", "/api/v1/schedules", cronBody({ verify: "always" }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.verify, "always");
    const run = await api.call("POST", `/api/v1/schedules/${created.json.id}/trigger`);
    assert.equal(run.status, 202, run.text);
    await api.engine.idle();
    assert.equal(specs[1].verify, "always");

    const cleared = await api.call("PATCH", `/api/v1/schedules/${created.json.id}`, {
      verify: null,
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.json.verify, undefined, 'null removes it: the default, "changed"');
  } finally {
    await api.close();
  }
});
