import assert from "node:assert/strict";
import { formatBytes, formatRate } from "../../src/byte_size.ts";
import { formatElapsed, formatEta } from "../../src/time/elapsed.ts";
import { CLIENT_FORMATTERS, CLIENT_JS } from "../../src/ui/client_js.ts";

type Formatters = {
  bytes: (n: number | null) => string;
  rate: (n: number | null) => string;
  eta: (s: number | null) => string;
  formatElapsed: (ms: number | null) => string;
};

Deno.test("dashboard script: sizes, rates and times written by the base layer's own formatters", () => {
  assert.ok(CLIENT_JS.includes(CLIENT_FORMATTERS));
  // the script's formatter block, run as the browser runs it
  const client = new Function(
    `${CLIENT_FORMATTERS}return { bytes, rate, eta, formatElapsed };`,
  )() as Formatters;
  for (const n of [0, 1023, 1536, 12.34 * 1024 ** 2, 512 * 1024 ** 2, 1.5 * 1024 ** 3, -1, NaN]) {
    assert.equal(client.bytes(n), formatBytes(n), `bytes ${n}`);
    assert.equal(client.rate(n), formatRate(n), `rate ${n}`);
  }
  assert.equal(client.bytes(null), "?", "an unknown size is ?, not 0 B");
  assert.equal(client.rate(null), "--/s");
  for (const s of [0.2, 59, 65, 7381, null, 1e9]) assert.equal(client.eta(s), formatEta(s));
  for (const ms of [850, 12_340, 250_000, null]) {
    assert.equal(client.formatElapsed(ms), formatElapsed(ms));
  }
  assert.equal(client.formatElapsed(12_340), "12.3s", "a finished run took as the run page says");
});
