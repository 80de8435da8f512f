import assert from "node:assert/strict";
import { checkOutboundTargets, outboundCheck } from "../../../src/download/net/outbound_guard.ts";
import { NightpullError } from "../../../src/errors.ts";

const config = (allowHosts: string[]) => ({ allowHosts, hfEndpoint: "http://hub.internal:8080" });

async function refused(promise: Promise<void>): Promise<NightpullError | null> {
  return await promise.then(() => null, (err) => err);
}

Deno.test("outbound check: names are judged by what they resolve to (localhost -> 127.0.0.1)", async () => {
  const loopback = outboundCheck(config(["127.0.0.1"]));
  await loopback(new URL("http://localhost:9/x")); // resolves to a listed address
  const private10 = outboundCheck(config(["10.0.0.0/8"]));
  const err = await refused(private10(new URL("http://localhost:9/x")));
  assert.equal(err?.code, "host_not_allowed");
  assert.match(err!.message, /--allow-hosts/);
});

Deno.test("outbound check: the hub endpoint always passes, metadata addresses never", async () => {
  await outboundCheck(config(["127.0.0.1"]))(new URL("http://hub.internal:8080/api/x"));
  for (const url of ["http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x"]) {
    const err = await refused(outboundCheck(config([]))(new URL(url)));
    assert.equal(err?.code, "host_not_allowed", url);
    assert.match(err!.message, /link-local or metadata/);
  }
});

Deno.test("create-time check names the field that is refused", async () => {
  const err = await refused(
    checkOutboundTargets(config(["127.0.0.1"]), {
      source: "hf:acme/tiny-model",
      webhook: { url: "http://127.0.0.2:9/hook" },
    }),
  );
  assert.equal(err?.code, "host_not_allowed");
  assert.equal(err?.details?.field, "webhook.url");
  await checkOutboundTargets(config(["127.0.0.1"]), { source: "http://127.0.0.1:9/file" });
});
