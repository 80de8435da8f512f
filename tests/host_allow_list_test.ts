import assert from "node:assert/strict";
import { hostRefusal, isHostPattern, isLinkLocal } from "../src/host_allow_list.ts";

const CASES: [name: string, allow: string[], host: string, addresses: string[], ok: boolean][] = [
  ["empty list allows any name", [], "example.org", ["93.184.216.34"], true],
  ["empty list still refuses metadata", [], "169.254.169.254", [], false],
  [
    "empty list refuses a name resolving to metadata",
    [],
    "meta.example",
    ["169.254.169.254"],
    false,
  ],
  ["IPv6 link-local refused", [], "[fe80::1]", [], false],
  ["IPv4-mapped metadata refused", [], "[::ffff:169.254.169.254]", [], false],
  ["listed address", ["127.0.0.1"], "127.0.0.1", [], true],
  ["unlisted address", ["127.0.0.1"], "127.0.0.2", [], false],
  ["CIDR covers it", ["127.0.0.0/8"], "127.0.0.2", [], true],
  ["IPv6 CIDR", ["fd00::/8"], "[fd12::5]", [], true],
  ["listed name", ["hf.example.com"], "HF.example.com", ["10.0.0.1"], true],
  ["wildcard matches subdomain", ["*.example.com"], "cdn.example.com", [], true],
  ["wildcard does not match apex", ["*.example.com"], "example.com", [], false],
  ["wildcard does not match suffix trick", ["*.example.com"], "evilexample.com", [], false],
  ["listed wildcard resolving to metadata", ["*.example.com"], "a.example.com", [
    "169.254.169.254",
  ], false],
  ["name resolving to listed addresses", ["127.0.0.1"], "localhost", ["127.0.0.1"], true],
  ["name resolving partly elsewhere", ["127.0.0.1"], "x.test", ["127.0.0.1", "10.0.0.1"], false],
  ["metadata even when listed", ["169.254.0.0/16"], "169.254.169.254", [], false],
];

for (const [name, allow, host, addresses, ok] of CASES) {
  Deno.test(`allow-hosts: ${name}`, () => {
    const reason = hostRefusal(allow, host, addresses);
    assert.equal(reason === null, ok, reason ?? "allowed");
  });
}

Deno.test("allow-hosts entries and link-local addresses", () => {
  for (const good of ["a.b", "*.b.c", "10.0.0.0/8", "::1", "fe80::/10", "localhost"]) {
    assert.ok(isHostPattern(good), good);
  }
  for (const bad of ["", "*", "a b", "http://a", "10.0.0.0/40", "1.2.3.4/x", "a..b"]) {
    assert.ok(!isHostPattern(bad), bad);
  }
  assert.ok(isLinkLocal("169.254.0.1"));
  assert.ok(isLinkLocal("fe80::abcd"));
  assert.ok(!isLinkLocal("127.0.0.1"));
  assert.ok(!isLinkLocal("example.org"));
});
