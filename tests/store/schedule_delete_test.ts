import assert from "node:assert/strict";
import { applyDeclaredSchedules } from "../../src/schedule/service/declared_schedules.ts";
import { dumpKv, serviceOnly } from "../schedule/_harness.ts";

const setup = serviceOnly;

Deno.test("hard delete: the config file's name pointer goes too; the next start creates the schedule anew", async () => {
  const { kv, clock, config, service } = await setup();
  try {
    const deps = { kv, service, config, now: () => clock.now() };
    const file = {
      nightly: {
        name: "nightly",
        source: "hf:org/model",
        trigger: { type: "cron", expression: "0 2 * * *" },
      },
    };
    const [first] = await applyDeclaredSchedules(deps, "/etc/np.json", file);
    assert.equal(first.action, "created");
    await service.delete(first.id, { hard: true });
    const left = (await dumpKv(kv)).filter((line) => line.includes(first.id));
    assert.deepEqual(left, [], "nothing in the KV names the removed schedule");
    const [again] = await applyDeclaredSchedules(deps, "/etc/np.json", file);
    assert.equal(again.action, "created");
    assert.notEqual(again.id, first.id);
  } finally {
    kv.close();
  }
});
