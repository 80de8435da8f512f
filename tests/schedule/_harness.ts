/**
 * A scheduler under test: a real KV (`:memory:` or a temp file), a manual clock, a service
 * and an engine whose executor is a function the test passes in.
 * @module
 */
import { resolveConfig } from "../../src/config.ts";
import type { Config } from "../../src/config.ts";
import type { Engine, EngineOptions, Executor } from "../../src/schedule/engine/engine.ts";
import { composeServer } from "../../src/server.ts";
import { ManualClock } from "../../src/time/manual_clock.ts";
import { ScheduleService } from "../../src/schedule/service/service.ts";

/** 2026-03-01T00:00:00Z: every test clock starts here. */
export const T0 = Date.parse("2026-03-01T00:00:00Z");

/** A config for tests (UTC, data in a temp dir that is never written). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...resolveConfig({ data: "/nonexistent/nightpull", timezone: "UTC" }, {}),
    ...overrides,
  };
}

/** An executor that succeeds at once, recording each job's run id and attempt. */
export function recordingExecutor(calls: { runId: string; attempt: number }[] = []): Executor {
  return ({ run }) => {
    calls.push({ runId: run.id, attempt: run.attempt });
    return Promise.resolve({
      commit: "c0ffee",
      files: { total: 1, done: 1, skipped: 0 },
      bytes: 42,
    });
  };
}

/** Everything a scheduler test needs; `close()` stops the engine and closes the KV. */
export interface Rig {
  kv: Deno.Kv;
  clock: ManualClock;
  config: Config;
  engine: Engine;
  service: ScheduleService;
  close(): Promise<void>;
}

/** Builds a rig on `kvPath` (default `:memory:`); the engine is not started. */
export async function rig(
  execute: Executor,
  opts: {
    kvPath?: string;
    clock?: ManualClock;
    config?: Partial<Config>;
    engine?: Partial<EngineOptions>;
  } = {},
): Promise<Rig> {
  const kv = await Deno.openKv(opts.kvPath ?? ":memory:");
  const clock = opts.clock ?? new ManualClock(T0);
  const config = testConfig(opts.config);
  const { logger, clock: engineClock, ...tuning } = opts.engine ?? {};
  const { engine, service } = composeServer({
    kv,
    config,
    execute,
    clock: engineClock ?? clock,
    ...(logger ? { logger } : {}),
    engine: { random: () => 0.5, ...tuning },
  });
  let closed = false;
  return {
    kv,
    clock,
    config,
    engine,
    service,
    async close() {
      await engine.stop();
      if (closed) return;
      closed = true;
      kv.close();
    },
  };
}

/** Advances the clock one step at a time, letting the engine settle after each. */
export async function tick(
  r: { clock: ManualClock; engines: Engine[] },
  steps: number,
  stepMs = 1000,
) {
  for (let i = 0; i < steps; i++) {
    r.clock.advance(stepMs);
    for (const e of r.engines) await e.idle();
    for (const e of r.engines) await e.idle();
  }
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A schedule service alone (no engine) on a `:memory:` KV and a manual clock at {@link T0}. */
export async function serviceOnly() {
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(T0);
  const config = testConfig();
  const service = new ScheduleService({ kv, config, clock });
  return { kv, clock, config, service };
}

export { waitFor } from "../_support/wait.ts";
export { dumpKv } from "../_support/kv.ts";
