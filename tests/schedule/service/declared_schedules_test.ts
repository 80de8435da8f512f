import assert from "node:assert/strict";
import { applyDeclaredSchedules } from "../../../src/schedule/service/declared_schedules.ts";
import { ScheduleService } from "../../../src/schedule/service/service.ts";
import { listSchedules } from "../../../src/store/mod.ts";
import { dumpKv, serviceOnly, T0 } from "../_harness.ts";

const FILE = "/etc/nightpull.json";

function declared(extra: Record<string, Record<string, unknown>> = {}) {
  return {
    "gpt2-nightly": {
      name: "gpt2-nightly",
      source: "hf:openai-community/gpt2",
      trigger: { type: "cron", expression: "0 2 * * *" },
    },
    "iso-weekly": {
      name: "iso-weekly",
      source: "https://example.org/big.iso",
      trigger: { type: "cron", expression: "0 3 * * 0" },
      webhook: { url: "https://example.org/hook", secret: "s3cret" },
    },
    ...extra,
  };
}

async function setup() {
  const { kv, clock, config, service } = await serviceOnly();
  const deps = { kv, service, config, now: () => clock.now() };
  return { kv, clock, service, deps };
}

async function all(kv: Deno.Kv) {
  return (await listSchedules(kv, { limit: 200 })).items;
}

Deno.test("declared schedules: created once, unchanged ones untouched, changed ones replaced in place", async () => {
  const { kv, clock, service, deps } = await setup();
  try {
    const first = await applyDeclaredSchedules(deps, FILE, declared());
    assert.deepEqual(first.map((o) => [o.name, o.action]), [
      ["gpt2-nightly", "created"],
      ["iso-weekly", "created"],
    ]);
    const before = await all(kv);
    assert.deepEqual(before.map((s) => s.name).sort(), ["gpt2-nightly", "iso-weekly"]);
    // a schedule the file does not name is left alone
    const own = await service.create({
      source: "hf:acme/other",
      trigger: { type: "interval", every: "1h" },
    });

    clock.advance(3_600_000);
    const dump = await dumpKv(kv);
    const again = await applyDeclaredSchedules(deps, FILE, declared());
    assert.deepEqual(again.map((o) => o.action), ["unchanged", "unchanged"]);
    assert.deepEqual(await dumpKv(kv), dump, "a restart with the same file writes nothing");

    const edited = declared();
    edited["gpt2-nightly"].trigger = { type: "cron", expression: "30 1 * * *" };
    const third = await applyDeclaredSchedules(deps, FILE, edited);
    assert.deepEqual(third.map((o) => [o.name, o.action]), [
      ["gpt2-nightly", "updated"],
      ["iso-weekly", "unchanged"],
    ]);
    const after = await all(kv);
    assert.equal(after.length, 3, "no duplicates");
    const gpt2 = after.find((s) => s.name === "gpt2-nightly")!;
    assert.equal(gpt2.id, first[0].id, "updated in place");
    assert.deepEqual(gpt2.trigger, { type: "cron", expression: "30 1 * * *", timezone: "UTC" });
    assert.ok(after.some((s) => s.id === own.id));
  } finally {
    kv.close();
  }
});

Deno.test("declared schedules: a bad one names file:schedules.<name>.<field> and nothing is written", async () => {
  const { kv, deps } = await setup();
  try {
    const dump = await dumpKv(kv);
    const bad = declared({
      "broken": {
        name: "broken",
        source: "hf:acme/x",
        trigger: { type: "cron", expression: "0 25 * * *" },
      },
    });
    await assert.rejects(
      applyDeclaredSchedules(deps, FILE, bad),
      (err: Error & { code: string }) => {
        assert.equal(err.code, "invalid_config");
        assert.match(
          err.message,
          /^\/etc\/nightpull\.json:schedules\.broken\.trigger\.expression: /,
        );
        assert.match(err.message, /25/);
        return true;
      },
    );
    const unknown = declared({
      "typo": {
        name: "typo",
        source: "hf:acme/x",
        trigger: { type: "cron", expression: "* * * * *" },
        retrys: 3,
      },
    });
    await assert.rejects(
      applyDeclaredSchedules(deps, FILE, unknown),
      /nightpull\.json:schedules\.typo\.retrys: unknown field "retrys"/,
    );
    assert.deepEqual(await dumpKv(kv), dump, "bad input writes nothing");
  } finally {
    kv.close();
  }
});

Deno.test("declared schedules: an API schedule of that name is adopted; a once that already passed stays valid", async () => {
  const { kv, clock, service, deps } = await setup();
  try {
    const made = await service.create({
      name: "gpt2-nightly",
      source: "hf:openai-community/gpt2",
      trigger: { type: "cron", expression: "0 2 * * *" },
    });
    const at = new Date(T0 + 60_000).toISOString();
    const file = declared({
      "one-shot": { name: "one-shot", source: "hf:acme/x", trigger: { type: "once", at } },
    });
    const outcomes = await applyDeclaredSchedules(deps, FILE, file);
    assert.deepEqual(outcomes.map((o) => [o.name, o.action]), [
      ["gpt2-nightly", "adopted"],
      ["iso-weekly", "created"],
      ["one-shot", "created"],
    ]);
    assert.equal(outcomes[0].id, made.id);
    clock.advance(3_600_000); // the once's time has passed
    const later = await applyDeclaredSchedules(deps, FILE, file);
    assert.deepEqual(later.map((o) => o.action), ["unchanged", "unchanged", "unchanged"]);
    assert.equal((await all(kv)).length, 3);
  } finally {
    kv.close();
  }
});

Deno.test("declared schedules: two replicas starting with one file create each schedule once", async () => {
  const { kv, clock, deps } = await setup();
  const other = new ScheduleService({ kv, config: deps.config, clock });
  try {
    const [a, b] = await Promise.all([
      applyDeclaredSchedules(deps, FILE, declared()),
      applyDeclaredSchedules({ ...deps, service: other }, FILE, declared()),
    ]);
    const names = (await all(kv)).map((s) => s.name).sort();
    assert.deepEqual(names, ["gpt2-nightly", "iso-weekly"]);
    assert.deepEqual(a.map((o) => o.id), b.map((o) => o.id));
  } finally {
    kv.close();
  }
});
