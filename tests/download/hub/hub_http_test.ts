import assert from "node:assert/strict";
import { errorBodyText, nextLink, quote } from "../../../src/download/hub/hub_http.ts";

Deno.test("nextLink finds rel=next among several links and resolves it", () => {
  const base = "https://hub.example/api/models/a/b/tree/x?recursive=true";
  assert.equal(
    nextLink('<https://hub.example/p?cursor=abc>; rel="next"', base),
    "https://hub.example/p?cursor=abc",
  );
  assert.equal(
    nextLink('<https://hub.example/first>; rel="prev", </api/next?c=2>; rel=next', base),
    "https://hub.example/api/next?c=2",
  );
  assert.equal(
    nextLink('<https://hub.example/n>; title="x"; rel="last next"', base),
    "https://hub.example/n",
  );
  assert.equal(nextLink('<https://hub.example/last>; rel="last"', base), undefined);
  assert.equal(nextLink(null, base), undefined);
  assert.equal(nextLink("garbage", base), undefined);
});

Deno.test("errorBodyText takes the hub's {error} text only", () => {
  assert.equal(errorBodyText('{"error":"Repository not found"}'), "Repository not found");
  assert.equal(errorBodyText('{"error":["a"]}'), undefined);
  assert.equal(errorBodyText("<html></html>"), undefined);
  assert.equal(errorBodyText("null"), undefined);
});

Deno.test("quote encodes like Python's urllib.parse.quote(safe='')", () => {
  assert.equal(quote("refs/pr/1"), "refs%2Fpr%2F1");
  assert.equal(quote("a b!'()*~._-"), "a%20b%21%27%28%29%2A~._-");
  assert.equal(quote("naïve"), "na%C3%AFve");
});
