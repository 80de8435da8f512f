/**
 * Test support: what the fixture repo `acme/tiny-model` holds on `main`, written out here (not
 * derived from fixtures/fake_repos.ts) so tests compare what they got against a fixed list.
 * @module
 */

/** The paths of `acme/tiny-model` at `main`, sorted. */
export const TINY_MODEL_MAIN: readonly string[] = [
  ".gitattributes",
  "README.md",
  "config.json",
  "model.safetensors",
  "onnx/fp16/model.onnx",
  "tokenizer/merges.txt",
  "tokenizer/tokenizer_config.json",
  "tokenizer/vocab.json",
];
