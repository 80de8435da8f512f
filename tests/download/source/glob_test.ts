import assert from "node:assert/strict";
import { filterPaths, fnmatch } from "../../../src/download/source/glob.ts";

// Expected values are what CPython's fnmatch.fnmatchcase answers for the same pair.
const FNMATCH_TABLE: [path: string, pattern: string, expected: boolean][] = [
  ["config.json", "*.json", true],
  ["a/b.json", "*.json", true],
  ["a/b.json", "a/*.json", true],
  ["a/b/c.json", "a/*.json", true],
  ["model.safetensors", "*.safetensors", true],
  ["model.SAFETENSORS", "*.safetensors", false],
  ["README.md", "*.json", false],
  ["a.bin", "?.bin", true],
  ["ab.bin", "?.bin", false],
  ["a/b", "a?b", true],
  ["a.txt", "[ab].txt", true],
  ["c.txt", "[ab].txt", false],
  ["c.txt", "[!ab].txt", true],
  ["a.txt", "[!a].txt", false],
  ["b.txt", "[!a].txt", true],
  ["5.bin", "[0-9].bin", true],
  ["x.bin", "[0-9].bin", false],
  ["].txt", "[]].txt", true],
  ["a.txt", "[!]].txt", true],
  ["].txt", "[!]].txt", false],
  ["-.txt", "[a-].txt", true],
  ["b.txt", "[z-a].txt", false],
  ["[x", "[x", true],
  ["[", "[", true],
  ["a[b", "a[b", true],
  ["a.b", "a.b", true],
  ["aXb", "a.b", false],
  ["x", "*", true],
  ["", "*", true],
  ["a/b/c", "*", true],
  ["weights/shard-00001.bin", "weights/shard-*.bin", true],
  ["line\nbreak", "line*break", true],
  ["ñ.txt", "?.txt", true],
  ["日本.txt", "??.txt", true],
  ["a+b.txt", "a+b.txt", true],
  ["a(b).txt", "a(b).txt", true],
  ["a$", "a$", true],
  ["^a", "^a", true],
  ["a\\b", "a\\b", true],
  ["a|b", "a|b", true],
  ["tokenizer/vocab.json", "tokenizer/*", true],
  ["tokenizer.json", "tokenizer/*", false],
  ["x/tokenizer/vocab.json", "tokenizer/*", false],
  ["**/a", "**/a", true],
  ["b/a", "**/a", true],
  ["a", "**/a", false],
  ["ab.txt", "[!a]b.txt", false],
  ["cb.txt", "[!a]b.txt", true],
  ["a-b", "a[-]b", true],
  ["a-b", "a[!-]b", false],
  ["😀.txt", "?.txt", true],
  ["😀😀.txt", "?.txt", false],
];

Deno.test("fnmatch matches like Python's fnmatchcase", () => {
  const wrong = FNMATCH_TABLE.filter(([path, pattern, expected]) =>
    fnmatch(path, pattern) !== expected
  );
  assert.deepEqual(wrong, []);
  assert.ok(FNMATCH_TABLE.length >= 20);
});

Deno.test("fnmatch gives the same answer from its compiled-pattern cache", () => {
  for (let i = 0; i < 3; i++) {
    assert.equal(fnmatch("a/b.json", "*.json"), true);
    assert.equal(fnmatch("a/b.bin", "*.json"), false);
  }
  // more distinct patterns than the cache holds: answers stay right after eviction
  for (let i = 0; i < 600; i++) assert.equal(fnmatch(`f${i}.bin`, `f${i}.*`), true);
  assert.equal(fnmatch("f1.bin", "f2.*"), false);
});

const FILES = [
  "config.json",
  "model.safetensors",
  "pytorch_model.bin",
  "README.md",
  ".gitattributes",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "tokenizer/special/added.json",
  "onnx/model.onnx",
  "onnx/tokenizer/vocab.json",
].map((path) => ({ path, size: path.length }));

function paths(include?: string[], exclude?: string[]): string[] {
  return filterPaths(FILES, include, exclude).map((f) => f.path);
}

Deno.test("filterPaths: no include or an empty include keeps everything", () => {
  const all = FILES.map((f) => f.path);
  assert.deepEqual(paths(), all);
  assert.deepEqual(paths([]), all);
  assert.deepEqual(paths(undefined, []), all);
});

Deno.test("filterPaths: *.json matches nested files like Python fnmatch", () => {
  assert.deepEqual(paths(["*.json"]), [
    "config.json",
    "tokenizer/vocab.json",
    "tokenizer/special/added.json",
    "onnx/tokenizer/vocab.json",
  ]);
});

Deno.test("filterPaths: a pattern ending in / means everything below that folder", () => {
  assert.deepEqual(paths(["tokenizer/"]), [
    "tokenizer/vocab.json",
    "tokenizer/merges.txt",
    "tokenizer/special/added.json",
  ]);
  assert.deepEqual(paths(undefined, ["onnx/"]).includes("onnx/model.onnx"), false);
  assert.deepEqual(paths(undefined, ["onnx/"]).length, FILES.length - 2);
});

Deno.test("filterPaths: exclude wins over include", () => {
  assert.deepEqual(paths(["*.json"], ["tokenizer/*"]), [
    "config.json",
    "onnx/tokenizer/vocab.json",
  ]);
  assert.deepEqual(paths(["config.json"], ["*.json"]), []);
});

Deno.test("filterPaths: several includes are OR-ed, keep listing order and objects", () => {
  const kept = filterPaths(FILES, ["*.safetensors", "config.json", "[!.]*.md"]);
  assert.deepEqual(kept.map((f) => f.path), ["config.json", "model.safetensors", "README.md"]);
  assert.equal(kept[0], FILES[0]);
  assert.deepEqual(paths(undefined, [".*"]).includes(".gitattributes"), false);
  assert.deepEqual(paths(["*.PDF"]), []);
});
