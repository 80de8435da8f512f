import assert from "node:assert/strict";
import { ABORT_GRACE_MS, StallWatchdog } from "../../../src/download/transfer/connection_watch.ts";
import { waitFor } from "../../_support/wait.ts";

Deno.test("a connection without activity past the timeout is cut as stalled", async () => {
  let now = 0;
  const watchdog = new StallWatchdog(40, () => now);
  const quiet = watchdog.watch(new AbortController().signal);
  const busy = watchdog.watch(new AbortController().signal);
  now = 30;
  busy.touch(now);
  now = 50; // quiet: 50 ms silent; busy: 20 ms
  await waitFor(() => quiet.signal.aborted, "the quiet connection to abort", 3000);
  assert.equal(quiet.stalled, true);
  assert.equal(busy.stalled, false);
  assert.equal(busy.signal.aborted, false);
  quiet.end();
  busy.end();
  watchdog.dispose();
});

Deno.test("a user abort sets stopping at once and cuts the connection after the grace period", async () => {
  const watchdog = new StallWatchdog(60_000);
  const user = new AbortController();
  const watch = watchdog.watch(user.signal);
  const started = performance.now();
  user.abort();
  assert.equal(watch.stopping, true);
  assert.equal(watch.signal.aborted, false);
  await waitFor(() => watch.signal.aborted, "the stalled connection to abort", 3000);
  assert.ok(performance.now() - started >= ABORT_GRACE_MS - 5);
  assert.equal(watch.stalled, false);
  watch.end();
  watchdog.dispose();

  const already = new StallWatchdog(60_000).watch(AbortSignal.abort());
  assert.equal(already.signal.aborted, true);
  already.end();
});
