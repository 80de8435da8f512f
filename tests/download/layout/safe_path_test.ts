import assert from "node:assert/strict";
import { join, relative, sep } from "node:path";
import { NightpullError } from "../../../src/errors.ts";
import {
  resolveInside,
  safeFileName,
  safeRelativePath,
} from "../../../src/download/layout/safe_path.ts";

function refusal(fn: () => unknown): NightpullError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NightpullError, `expected NightpullError, got ${err}`);
    return err;
  }
  assert.fail("expected an unsafe_path error");
}

const ACCEPTED: [input: string, expected: string][] = [
  ["config.json", "config.json"],
  ["tokenizer/vocab.json", "tokenizer/vocab.json"],
  ["a/b/c/d/e.bin", "a/b/c/d/e.bin"],
  [".gitattributes", ".gitattributes"],
  ["..data", "..data"],
  ["a/..b/c", "a/..b/c"],
  ["a/.../c", "a/.../c"],
  ["naïve/日本語.txt", "naïve/日本語.txt"],
  ["emoji 😀 name.bin", "emoji 😀 name.bin"],
  ["with space/and-dash_under.score", "with space/and-dash_under.score"],
  ["x".repeat(255), "x".repeat(255)],
  ["weights:v2.bin", "weights:v2.bin"],
];

const REFUSED: [input: string, why: RegExp][] = [
  ["../evil.txt", /"\.\." would leave/],
  ["/etc/x", /absolute/],
  ["a/../../b", /"\.\." would leave/],
  ["a/..", /"\.\." would leave/],
  ["..", /"\.\." would leave/],
  ["a\\b", /backslash/],
  ["..\\evil", /backslash/],
  ["a\0b", /control character/],
  ["bell\u0007", /control character/],
  ["tab\there", /control character/],
  ["new\nline", /control character/],
  ["del\u007f", /control character/],
  ["c1\u009b", /control character/],
  ["C:\\x", /backslash/],
  ["C:/x", /drive letter/],
  ["c:x", /drive letter/],
  ["a//b", /empty segment/],
  ["a/", /empty segment/],
  ["./a", /"\." segment/],
  ["a/./b", /"\." segment/],
  ["", /empty/],
  ["x".repeat(256), /longer than 255 bytes/],
  ["é".repeat(128), /longer than 255 bytes/],
  [Array(900).fill("abcd").join("/"), /longer than 4096 bytes/],
];

Deno.test("safeRelativePath accepts ordinary and unicode names unchanged", () => {
  for (const [input, expected] of ACCEPTED) assert.equal(safeRelativePath(input), expected);
});

Deno.test("safeRelativePath refuses traversal, absolute, backslash, control and overlong paths", () => {
  assert.ok(ACCEPTED.length + REFUSED.length >= 20);
  for (const [input, why] of REFUSED) {
    const err = refusal(() => safeRelativePath(input));
    assert.equal(err.code, "unsafe_path", input);
    assert.match(err.message, why, input);
    // the message says what a good path looks like, and prints no raw control characters
    assert.match(err.message, /relative "\/"-separated path/);
    // deno-lint-ignore no-control-regex -- checking that none leaked into the message
    assert.doesNotMatch(err.message, /[\x00-\x1f\x7f-\x9f]/);
  }
});

Deno.test("resolveInside stays strictly inside the root", async () => {
  const root = await Deno.makeTempDir({ prefix: "nightpull-safe-" });
  try {
    assert.equal(resolveInside(root, "a/b.bin"), join(root, "a", "b.bin"));
    assert.equal(resolveInside(root + sep, "x"), join(root, "x"));
    assert.equal(resolveInside(join(root, "sub", ".."), "x"), join(root, "x"));
    for (const [input] of REFUSED) {
      assert.equal(refusal(() => resolveInside(root, input)).code, "unsafe_path", input);
    }
    // tricks that look inside but are not, or that name the root itself
    for (const trick of [".", "a/../..", "../" + root.split(sep).pop(), "%2e%2e/x", "\u2025/x"]) {
      let full: string;
      try {
        full = resolveInside(root, trick);
      } catch (err) {
        assert.equal((err as NightpullError).code, "unsafe_path", trick);
        continue;
      }
      const rel = relative(root, full);
      assert.ok(rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep), trick);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resolveInside refuses an unusable root", () => {
  assert.equal(refusal(() => resolveInside("", "a")).code, "unsafe_path");
  assert.equal(refusal(() => resolveInside("/tmp/x\0y", "a")).code, "unsafe_path");
});

Deno.test("safeFileName takes one trimmed segment and refuses the rest", () => {
  assert.equal(safeFileName("  model.gguf "), "model.gguf");
  assert.equal(safeFileName("naïve file.txt"), "naïve file.txt");
  for (
    const bad of ["", "   ", ".", "..", "a/b", "../../x", "a\\b", "x\0", "x\u0007", "y".repeat(256)]
  ) {
    assert.equal(refusal(() => safeFileName(bad)).code, "unsafe_path", JSON.stringify(bad));
  }
});

Deno.test("bidi controls (U+202A-U+202E, U+2066-U+2069) are refused in listing paths and file names", () => {
  for (
    const c of [
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
    ]
  ) {
    for (
      const check of [
        () => safeRelativePath(`dir/evil${c}gnp.exe`),
        () => safeFileName(`evil${c}gnp.exe`),
      ]
    ) {
      assert.throws(check, (err: NightpullError) => {
        assert.equal(err.code, "unsafe_path");
        assert.match(err.message, /bidirectional control character/);
        // the message shows the character escaped, so it cannot reorder the message itself
        assert.ok(!err.message.includes(c), err.message);
        return true;
      });
    }
  }
  assert.equal(safeRelativePath("dir/ok\u200b.bin"), "dir/ok\u200b.bin");
});
