import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import {
  formatSource,
  parseHfUri,
  parseSource,
  type Source,
} from "../../../src/download/source/source.ts";

const HF_ACCEPTED: [text: string, repoType: string, repoId: string, revision: string][] = [
  ["hf:openai-community/gpt2@main", "model", "openai-community/gpt2", "main"],
  ["hf:openai-community/gpt2", "model", "openai-community/gpt2", "main"],
  ["hf:gpt2", "model", "gpt2", "main"],
  ["hf:models/gpt2@v1.0", "model", "gpt2", "v1.0"],
  ["hf:datasets/acme/tiny-data", "dataset", "acme/tiny-data", "main"],
  ["hf:datasets/acme/tiny-data@dev", "dataset", "acme/tiny-data", "dev"],
  ["hf:spaces/acme/demo@main", "space", "acme/demo", "main"],
  ["hf:acme/m@refs%2Fpr%2F1", "model", "acme/m", "refs/pr/1"],
  ["hf:acme/m@refs/convert/parquet", "model", "acme/m", "refs/convert/parquet"],
  ["hf:acme/m@a%25b", "model", "acme/m", "a%b"],
  ["hf:Acme.Org/Model_v2-x@main", "model", "Acme.Org/Model_v2-x", "main"],
  [
    "hf:acme/m@0123456789abcdef0123456789abcdef01234567",
    "model",
    "acme/m",
    "0123456789abcdef0123456789abcdef01234567",
  ],
  ["HF:acme/m", "model", "acme/m", "main"],
  ["hf:kernels/acme/relu@v2", "kernel", "acme/relu", "v2"],
  ["hf://acme/m", "model", "acme/m", "main"],
  ["hf://acme/m@dev", "model", "acme/m", "dev"],
  ["hf://datasets/acme/d", "dataset", "acme/d", "main"],
  ["hf://spaces/acme/s@v1/", "space", "acme/s", "v1"],
  ["hf://kernels/acme/k@main", "kernel", "acme/k", "main"],
  ["hf://models/acme/m@refs/pr/3", "model", "acme/m", "refs/pr/3"],
];

const REFUSED: [text: string, why: RegExp][] = [
  ["", /empty/],
  ["acme/m", /no scheme/],
  ["ftp://host/file", /unknown scheme "ftp:"/],
  ["s3:bucket/key", /unknown scheme "s3:"/],
  ["hf:", /not a valid repo id part/],
  ["hf:acme/m@", /empty revision/],
  ["hf:a/b/c", /<name> or <org>\/<name>/],
  ["hf:datasets", /<name> or <org>\/<name>/],
  ["hf:acme/", /"" is not a valid repo id part/],
  ["hf:-acme/m", /"-acme" is not a valid repo id part/],
  ["hf:acme/m.", /"m\." is not a valid repo id part/],
  ["hf:ac--me/m", /"ac--me" is not a valid repo id part/],
  ["hf:acme/m..x", /"m\.\.x" is not a valid repo id part/],
  ["hf:acme/" + "x".repeat(97), /is not a valid repo id part/],
  ["hf:acme/m@../main", /unsafe revision/],
  ["hf:acme/m@/main", /unsafe revision/],
  ["hf:acme/m@ma\\in", /unsafe revision/],
  ["hf:acme/m@main%00", /unsafe revision/],
  ["hf:acme/m@%zz", /bad %-escape/],
  ["hf:acme/m@my branch", /whitespace/],
  ["https://user:pw@host.example/f", /credentials in URLs/],
  ["https://", /not a valid URL/],
  ["x".repeat(2049), /longer than 2048/],
];

Deno.test("parseSource reads hf sources: model, dataset, space, revisions", () => {
  for (const [text, repoType, repoId, revision] of HF_ACCEPTED) {
    assert.deepEqual(parseSource(text), { kind: "hf", repoType, repoId, revision }, text);
  }
});

Deno.test("parseSource reads http(s) URLs", () => {
  const source = parseSource("https://files.example/a/model.gguf?x=1");
  assert.equal(source.kind, "url");
  assert.equal(
    (source as Extract<Source, { kind: "url" }>).url.href,
    "https://files.example/a/model.gguf?x=1",
  );
  assert.equal(parseSource("HTTP://files.example/f").kind, "url");
});

Deno.test("parseSource refuses bad sources with invalid_source saying what is expected", () => {
  for (const [text, why] of REFUSED) {
    let caught: unknown;
    try {
      parseSource(text);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof NightpullError, `${text.slice(0, 40)} was not refused properly`);
    assert.equal(caught.code, "invalid_source", text);
    assert.equal(caught.exitCode, 2);
    assert.match(caught.message, why, text.slice(0, 40));
    assert.match(caught.message, /expected "hf:openai-community\/gpt2@main"/);
  }
});

Deno.test("formatSource is canonical and parseSource(formatSource(s)) round-trips", () => {
  assert.equal(formatSource(parseSource("hf:models/gpt2")), "hf:gpt2@main");
  assert.equal(formatSource(parseSource("hf:datasets/acme/d")), "hf:datasets/acme/d@main");
  assert.equal(formatSource(parseSource("hf:spaces/acme/s@dev")), "hf:spaces/acme/s@dev");
  assert.equal(formatSource(parseSource("https://h.example/f")), "https://h.example/f");
  assert.equal(formatSource(parseSource("hf:acme/m")), formatSource(parseSource("hf:acme/m@main")));
  for (const [text] of HF_ACCEPTED) {
    const source = parseSource(text);
    assert.deepEqual(parseSource(formatSource(source)), source, text);
  }
});

Deno.test("hf:// URIs as huggingface_hub parses them: type, revision (refs/pr/N whole), path", () => {
  const rows: [string, string, string, string, string][] = [
    ["hf://acme/m/sub/f.json", "model", "acme/m", "main", "sub/f.json"],
    ["hf://datasets/acme/d@v1/data/train.csv", "dataset", "acme/d", "v1", "data/train.csv"],
    ["hf://acme/m@refs/pr/3/config.json", "model", "acme/m", "refs/pr/3", "config.json"],
    ["hf://acme/m@refs/convert/parquet/x", "model", "acme/m", "refs/convert/parquet", "x"],
    ["hf://acme/m/file@1.txt", "model", "acme/m", "main", "file@1.txt"],
  ];
  for (const [text, type, id, rev, path] of rows) {
    const { source, path: got } = parseHfUri(text);
    assert.deepEqual([source.repoType, source.repoId, source.revision, got], [type, id, rev, path]);
  }
  for (
    const [text, why] of [
      ["hf://dataset/acme/d", /plural: "datasets\/"/],
      ["hf://acme", /<org>\/<name>/],
      ["hf://acme/m@", /empty revision/],
    ] as const
  ) {
    assert.throws(() => parseHfUri(text), (e: unknown) => {
      assert.ok(e instanceof NightpullError && e.code === "invalid_source");
      assert.match(e.message, why);
      return true;
    });
  }
});

Deno.test("parseSource refuses bidi controls in URL paths (raw or %-encoded) and revisions", () => {
  for (
    const text of [
      "https://example.org/files/evil%E2%80%AEgnp.exe",
      "https://example.org/files/evil\u2066x.bin",
      "hf:acme/tiny-model@main\u202e",
    ]
  ) {
    assert.throws(() => parseSource(text), (err: NightpullError) => err.code === "invalid_source");
  }
});
