import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { registerSecret, remoteSnippet, scrubSecrets, secretForms } from "../src/secrets.ts";

const TOKEN = "hf_ScrubMeAbc123/+=xyz";

Deno.test("scrubber: raw, URL-encoded and base64 (any alignment, both alphabets) forms go", () => {
  registerSecret(TOKEN);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const b64url = (s: string) => Buffer.from(s).toString("base64url");
  const echoes = [
    `you sent Bearer ${TOKEN}`,
    `token=${encodeURIComponent(TOKEN)}&x=1`,
    `token=${encodeURIComponent(TOKEN).toLowerCase()}`,
    b64(TOKEN),
    b64(`Authorization: Bearer ${TOKEN}`),
    b64(`x${TOKEN}`),
    b64(`xy${TOKEN}`),
    b64url(`Bearer ${TOKEN} trailing`),
    JSON.stringify({ sha: TOKEN }),
  ];
  for (const echo of echoes) {
    const out = scrubSecrets(echo);
    for (const form of secretForms(TOKEN)) {
      assert.ok(!out.includes(form), `${echo} -> ${out} still has ${form}`);
    }
    assert.ok(!out.includes("ScrubMe"), out);
  }
  assert.equal(scrubSecrets("nothing secret here"), "nothing secret here");
});

Deno.test("a snippet is scrubbed before it is cut: no half token survives", () => {
  const long = "hf_" + "LongSecretToken".repeat(6);
  registerSecret(long);
  const shown = remoteSnippet(long, 60);
  assert.ok(!shown.includes("LongSecret"), shown);
  assert.equal(remoteSnippet({ sha: long }, 200), JSON.stringify('{"sha":"***"}'));
});

Deno.test("blank and tiny values are not registered (they would mangle every message)", () => {
  registerSecret("  ");
  registerSecret("ab");
  registerSecret(undefined);
  assert.equal(scrubSecrets("ab  cd"), "ab  cd");
});
