/**
 * Child process of kv_shared_file_test: opens one KV file and makes every kind of plain write
 * the store does outside `commitWithRetry` (first sightings, forgetting them, sessions,
 * manifest deletes), `count` times each, then prints how many it made.
 *
 * Usage: deno run -A --unstable-kv tests/store/_kv_writer.ts KV_FILE COUNT TAG
 */
import { openKv } from "../../src/store/open_kv.ts";
import { commitsSeen, forgetCommitsSeen, recordCommitSeen } from "../../src/store/commits_seen.ts";
import { deleteSession, putSession } from "../../src/store/sessions.ts";
import { deleteManifestEntry } from "../../src/store/manifest.ts";

const [file, countText, tag] = Deno.args;
const count = Number(countText);
const kv = await openKv(file);
let writes = 0;
for (let i = 0; i < count; i++) {
  await recordCommitSeen(kv, "models--acme--shared", `${tag}-${i}`, i);
  await recordCommitSeen(kv, "models--acme--shared", `common-${i}`, i);
  const now = Date.now();
  await putSession(kv, `${tag}-${i}`, { csrf: "c", expiresAt: now + 60_000, tokenTag: "t" }, now);
  await deleteSession(kv, `${tag}-${i}`);
  await deleteManifestEntry(kv, "hf:acme/shared", `/tmp/${tag}-${i}`);
  if (i % 2 === 1) await forgetCommitsSeen(kv, "models--acme--shared", [`${tag}-${i}`]);
  writes += 6;
}
const seen = await commitsSeen(kv, "models--acme--shared");
kv.close();
console.log(JSON.stringify({ writes, seen: seen.size }));
