import assert from "node:assert/strict";
import { NightpullError } from "../../../src/errors.ts";
import {
  dispositionFilename,
  filenameFromResponse,
} from "../../../src/download/net/content_disposition.ts";

const URL_WITH_NAME = new URL("https://files.example/dl/model%20v2.gguf?token=abc#frag");

const ACCEPTED: [header: string | null, url: URL, expected: string][] = [
  ["attachment; filename=plain.bin", URL_WITH_NAME, "plain.bin"],
  ['attachment; filename="quoted name.bin"', URL_WITH_NAME, "quoted name.bin"],
  ['attachment; filename="semi;colon.bin"; size=3', URL_WITH_NAME, "semi;colon.bin"],
  ['attachment; filename="esc\\"aped.bin"', URL_WITH_NAME, 'esc"aped.bin'],
  ["attachment; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt", URL_WITH_NAME, "naïve €.txt"],
  ["attachment; filename*=utf-8'en'%E6%97%A5%E6%9C%AC.bin", URL_WITH_NAME, "日本.bin"],
  // filename* wins over filename, whatever the order
  [`attachment; filename*=UTF-8''real.bin; filename="fallback.bin"`, URL_WITH_NAME, "real.bin"],
  [`attachment; filename="fallback.bin"; filename*=UTF-8''real.bin`, URL_WITH_NAME, "real.bin"],
  // an undecodable filename* falls back to filename
  [`attachment; filename*=UTF-8''bad%ZZ; filename="ok.bin"`, URL_WITH_NAME, "ok.bin"],
  [`attachment; filename*=UTF-8''%FF%FE; filename="ok2.bin"`, URL_WITH_NAME, "ok2.bin"],
  ["attachment; filename*=ISO-8859-1''caf%E9.txt", URL_WITH_NAME, "café.txt"],
  ["ATTACHMENT; FILENAME=upper.bin", URL_WITH_NAME, "upper.bin"],
  ["inline;filename=nospace.bin", URL_WITH_NAME, "nospace.bin"],
  ['filename="no-type.bin"', URL_WITH_NAME, "no-type.bin"],
  ['attachment; filename="  padded.bin  "', URL_WITH_NAME, "padded.bin"],
  // raw UTF-8 bytes as they arrive in a header value (one char per byte)
  ['attachment; filename="caf\u00c3\u00a9.bin"', URL_WITH_NAME, "café.bin"],
  // no usable header: the URL's last segment, decoded
  [null, URL_WITH_NAME, "model v2.gguf"],
  ["attachment", URL_WITH_NAME, "model v2.gguf"],
  ['attachment; filename=""', URL_WITH_NAME, "model v2.gguf"],
  ["attachment; filename*=UTF-8''", URL_WITH_NAME, "model v2.gguf"],
  [null, new URL("https://h.example/a/b/weights.safetensors"), "weights.safetensors"],
  [null, new URL("https://h.example/bad%E0name"), "bad%E0name"],
  // nothing at all: "download"
  [null, new URL("https://h.example/"), "download"],
  [null, new URL("https://h.example/dir/"), "download"],
  ['attachment; filename=""', new URL("https://h.example"), "download"],
];

const REFUSED: [header: string | null, url: URL][] = [
  ['attachment; filename="../../x"', URL_WITH_NAME],
  ["attachment; filename=/etc/passwd", URL_WITH_NAME],
  ['attachment; filename="a\\\\b"', URL_WITH_NAME],
  ["attachment; filename*=UTF-8''..%2F..%2Fx", URL_WITH_NAME],
  ["attachment; filename*=UTF-8''x%00y", URL_WITH_NAME],
  ["attachment; filename*=UTF-8''bell%07", URL_WITH_NAME],
  ['attachment; filename=".."', URL_WITH_NAME],
  [`attachment; filename="${"n".repeat(256)}"`, URL_WITH_NAME],
  [null, new URL("https://h.example/a/..%2F..%2Fetc%2Fpasswd")],
  [null, new URL("https://h.example/a/x%0Ay")],
];

Deno.test("filenameFromResponse: header, RFC 5987 value, URL segment, then 'download'", () => {
  for (const [header, url, expected] of ACCEPTED) {
    assert.equal(filenameFromResponse(url, header), expected, String(header));
  }
});

Deno.test("filenameFromResponse refuses names that are not one safe segment", () => {
  for (const [header, url] of REFUSED) {
    let caught: unknown;
    try {
      filenameFromResponse(url, header);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof NightpullError, `${header} ${url} was accepted`);
    assert.equal(caught.code, "unsafe_path");
    assert.match(caught.message, /file name must be one non-empty segment/);
  }
});

Deno.test("dispositionFilename keeps the first of duplicated parameters", () => {
  assert.equal(dispositionFilename('attachment; filename="a.bin"; filename="b.bin"'), "a.bin");
  assert.equal(dispositionFilename("attachment"), undefined);
  assert.equal(dispositionFilename("attachment; filename*=KOI8-R''x"), undefined);
});

Deno.test("a Content-Disposition or URL file name with a bidi control is refused", () => {
  const url = new URL("https://example.org/download");
  for (
    const header of [
      'attachment; filename="invoice\u202Efdp.exe"',
      "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
    ]
  ) {
    assert.throws(
      () => filenameFromResponse(url, header),
      (err: NightpullError) => err.code === "unsafe_path",
      header,
    );
  }
  assert.throws(
    () => filenameFromResponse(new URL("https://example.org/a%E2%81%A7b.bin"), null),
    (err: NightpullError) => err.code === "unsafe_path",
  );
});
