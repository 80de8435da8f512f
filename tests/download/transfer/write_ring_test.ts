import assert from "node:assert/strict";
import {
  STREAM_BUFFER_SIZE,
  streamBufferSize,
  WriteRing,
} from "../../../src/download/transfer/write_ring.ts";

Deno.test("ring: a moved buffer is adopted, a detached one replaced by a fresh one", () => {
  const ring = new WriteRing(2, 8);
  const first = ring.current;
  const moved = new Uint8Array((first.buffer as ArrayBuffer).transfer(), 0, 5);
  ring.adopt(moved);
  assert.equal(ring.current.buffer, moved.buffer);
  (ring.current.buffer as ArrayBuffer).transfer(); // a failed direct read took it away
  assert.equal(ring.current.byteLength, 8, "a fresh buffer of the ring's size");
  assert.equal(ring.size, 8);
});

Deno.test("ring buffers: a sixteenth of what is left, between 128 KiB and 3 MiB", () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const cases: [string, number | undefined, number][] = [
    ["an empty rest still gets the smallest buffer", 0, 128 * KiB],
    ["a 1 MiB file: the smallest buffer", 1 * MiB, 128 * KiB],
    ["a 4 MiB file: a sixteenth", 4 * MiB, 256 * KiB],
    ["rounded up to 64 KiB", 4 * MiB + 1, 320 * KiB],
    ["48 MiB and up: the large-file buffer", 48 * MiB, STREAM_BUFFER_SIZE],
    ["1 GiB: the large-file buffer", 1024 * MiB, STREAM_BUFFER_SIZE],
    ["unknown size: the large-file buffer", undefined, STREAM_BUFFER_SIZE],
  ];
  for (const [name, remaining, want] of cases) {
    assert.equal(streamBufferSize(remaining), want, name);
  }
});
