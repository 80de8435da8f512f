import assert from "node:assert/strict";
import { ERROR_TABLE, EXIT, NightpullError, toNightpullError } from "../src/errors.ts";

Deno.test("every error code maps to an HTTP error status and a contract exit code", () => {
  const exits = new Set<number>(Object.values(EXIT));
  for (const [code, { status, exit }] of Object.entries(ERROR_TABLE)) {
    assert.ok(status >= 400 && status <= 599, `${code}: status ${status}`);
    assert.ok(exits.has(exit) && (exit as number) !== EXIT.ok, `${code}: exit ${exit}`);
  }
});

Deno.test("codes map to the exit codes of the contract", () => {
  const cases: [ConstructorParameters<typeof NightpullError>[0], number, number][] = [
    ["usage", 2, 400],
    ["invalid_cron", 2, 422],
    ["malformed_json", 2, 400],
    ["body_too_large", 2, 413],
    ["auth_required", 3, 401],
    ["gated_repo", 3, 403],
    ["not_found", 4, 404],
    ["repo_not_found", 4, 404],
    ["conflict", 1, 409],
    ["checksum_mismatch", 5, 502],
    ["interrupted", 130, 503],
    ["disk_full", 1, 507],
    ["hub_response_too_large", 1, 502],
  ];
  for (const [code, exit, status] of cases) {
    const err = new NightpullError(code, "x");
    assert.equal(err.exitCode, exit, code);
    assert.equal(err.status, status, code);
  }
});

Deno.test("toJSON has the contract's error shape", () => {
  const err = new NightpullError("invalid_cron", 'invalid cron "x"', { field: "trigger" });
  assert.deepEqual(JSON.parse(JSON.stringify(err)), {
    error: { code: "invalid_cron", message: 'invalid cron "x"', details: { field: "trigger" } },
  });
  assert.deepEqual(new NightpullError("conflict", "m").toJSON(), {
    error: { code: "conflict", message: "m" },
  });
});

Deno.test("runtime errors map onto stable codes", () => {
  assert.equal(
    toNightpullError(new Error("No space left on device (os error 28)")).code,
    "disk_full",
  );
  assert.equal(toNightpullError(new DOMException("aborted", "AbortError")).code, "interrupted");
  assert.equal(
    toNightpullError(new TypeError("error sending request: connection reset")).code,
    "network_error",
  );
  assert.equal(toNightpullError(new Error("boom")).code, "internal");
  assert.equal(toNightpullError("str").code, "internal");
  const original = new NightpullError("not_found", "nope");
  assert.equal(toNightpullError(original), original);
});
