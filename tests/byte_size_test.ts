import assert from "node:assert/strict";
import { formatBytes, parseByteSize } from "../src/byte_size.ts";

Deno.test("formatBytes uses binary units with sensible precision", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(12.34 * 1024 * 1024), "12.3 MiB");
  assert.equal(formatBytes(512 * 1024 * 1024), "512 MiB");
  assert.equal(formatBytes(1.5 * 1024 ** 3), "1.50 GiB");
  assert.equal(formatBytes(-1), "?");
  assert.equal(formatBytes(NaN), "?");
});

Deno.test("parseByteSize reads what formatBytes-style sizes people type", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["1024", 1024],
    ["512k", 512 * 1024],
    ["1G", 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["2 TB", 2 * 1024 ** 4],
  ];
  for (const [text, bytes] of cases) assert.equal(parseByteSize(text, "--min-free"), bytes, text);
  assert.throws(() => parseByteSize("lots", "--min-free"), /invalid --min-free "lots"/);
});
