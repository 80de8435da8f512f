import assert from "node:assert/strict";
import { idTime, idTimePrefix, isId, newId } from "../../src/store/ids.ts";

const T = Date.parse("2026-03-01T00:00:00Z");

Deno.test("ids: made, read and checked, by behaviour", async (t) => {
  await t.step("an id is 26 characters of Crockford base32", () => {
    assert.match(newId(T), /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
  await t.step("an id carries its millisecond", () => {
    assert.equal(idTime(newId(T + 123)), T + 123);
  });
  await t.step("ids of later instants sort after earlier ones", () => {
    const ids = [T, T + 1, T + 1000, T + 86_400_000].map((t) => newId(t));
    assert.deepEqual([...ids].sort(), ids);
  });
  await t.step("ids made in one millisecond still sort in creation order", () => {
    const ids = Array.from({ length: 200 }, () => newId(T + 5000));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 200);
  });
  await t.step("a clock that steps back does not break the order", () => {
    const later = newId(T + 2 * 86_400_000);
    const earlier = newId(T + 2 * 86_400_000 - 1000);
    assert.ok(earlier > later);
  });
  await t.step("the time prefix bounds the ids made at or after it", () => {
    // later than every id above: ids continue from the latest millisecond made so far
    const later = T + 10 * 86_400_000;
    const prefix = idTimePrefix(later);
    assert.equal(prefix.length, 10);
    assert.ok(newId(later) >= prefix);
    assert.ok(newId(later + 1).startsWith(idTimePrefix(later + 1)));
  });
  await t.step("isId accepts what newId makes", () => assert.ok(isId(newId(T + 30_000))));
});

const NOT_IDS: [string, string][] = [
  ["the empty string", ""],
  ["a path traversal", "../../etc/passwd"],
  ["a space", "01J D7S3W5X9QK2M8V4N6R0T1YB"],
  ["a slash", "01JD7S3W5X9QK2M8V4N6R0T1/B"],
];

Deno.test("ids: isId refuses what could not be an id", async (t) => {
  for (const [what, text] of NOT_IDS) {
    await t.step(what, () => assert.equal(isId(text), false));
  }
});
