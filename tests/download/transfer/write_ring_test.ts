import assert from "node:assert/strict";
import { WriteRing } from "../../../src/download/transfer/write_ring.ts";

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
