/** The retention rule and REPO arguments, one row per case. */
import assert from "node:assert/strict";
import { planKeepNewest, planRemoveRevisions } from "../../../src/download/cache/cache_prune.ts";
import type { CachedRepo } from "../../../src/download/cache/cache_scan.ts";
import { parseRepoArg } from "../../../src/download/cache/repo_arg.ts";
import { parseByteSize } from "../../../src/byte_size.ts";

const c = (n: number) => String(n).repeat(40).slice(0, 40);

function repo(refs: Record<string, string>): CachedRepo {
  const rev = (n: number, blobs: string[]) => ({
    commit: c(n),
    refs: Object.keys(refs).filter((r) => refs[r] === c(n)),
    files: blobs.length,
    size: 0,
    lastModified: null,
    blobs,
    createdMs: n * 1000, // folder times: 3 is the newest
  });
  return {
    repo: "acme/x",
    type: "model",
    dir: "/cache/models--acme--x",
    size: 0,
    blobs: { shared: 10, one: 100, two: 200, three: 300 },
    refs,
    revisions: [rev(3, ["shared", "three"]), rev(2, ["shared", "two"]), rev(1, ["shared", "one"])],
    lastModified: null,
  };
}

Deno.test("planKeepNewest: the rule by case", () => {
  const cases: {
    name: string;
    refs: Record<string, string>;
    keep: number;
    seen?: [string, number][];
    commits: string[];
    blobs: string[];
  }[] = [
    {
      name: "keep 1 drops the two older",
      refs: { main: c(3) },
      keep: 1,
      commits: [c(1), c(2)],
      blobs: ["one", "two"],
    },
    {
      name: "a tag keeps its snapshot",
      refs: { main: c(3), v1: c(1) },
      keep: 1,
      commits: [c(2)],
      blobs: ["two"],
    },
    { name: "keep more than there are drops nothing", refs: {}, keep: 5, commits: [], blobs: [] },
    {
      name: "keep 0 keeps only named snapshots",
      refs: { main: c(3) },
      keep: 0,
      commits: [c(1), c(2)],
      blobs: ["one", "two"],
    },
    {
      name: "first sightings win over folder times",
      refs: {},
      keep: 1,
      seen: [[c(1), 9_000], [c(2), 1], [c(3), 2]],
      commits: [c(2), c(3)],
      blobs: ["three", "two"],
    },
  ];
  for (const t of cases) {
    const plan = planKeepNewest(repo(t.refs), t.keep, new Map(t.seen ?? []));
    assert.deepEqual(plan.commits, t.commits, t.name);
    assert.deepEqual(plan.blobs, t.blobs, t.name);
    assert.ok(!plan.blobs.includes("shared"), `${t.name}: a shared blob never goes`);
  }
});

Deno.test("planRemoveRevisions: by ref, by commit prefix, the refs naming it go too; unknown is refused", () => {
  const r = repo({ main: c(3), v1: c(1) });
  assert.deepEqual(planRemoveRevisions(r, ["v1"]).refs, ["v1"]);
  assert.deepEqual(planRemoveRevisions(r, [c(2).slice(0, 8)]).commits, [c(2)]);
  assert.throws(() => planRemoveRevisions(r, ["nope"]), /no cached revision "nope"/);
  const all = planRemoveRevisions(r, []);
  assert.equal(all.wholeRepo, true);
  assert.deepEqual(all.blobs, ["one", "shared", "three", "two"]);
});

Deno.test("parseRepoArg and parseByteSize: accepted and refused forms", () => {
  assert.deepEqual(parseRepoArg("acme/x"), { type: "model", repo: "acme/x" });
  assert.deepEqual(parseRepoArg("datasets/acme/x@v1.0"), {
    type: "dataset",
    repo: "acme/x",
    revision: "v1.0",
  });
  assert.deepEqual(parseRepoArg("spaces/acme/x"), { type: "space", repo: "acme/x" });
  for (const bad of ["x", "a/b/c/d", "things/acme/x", "acme/..", "acme/x@../r"]) {
    assert.throws(() => parseRepoArg(bad), /invalid repo/, bad);
  }
  assert.throws(() => parseRepoArg("acme/x@main", false), /invalid repo/);
  assert.equal(parseByteSize("0", "--min-free"), 0);
  assert.equal(parseByteSize("1G", "--min-free"), 1024 ** 3);
  assert.equal(parseByteSize("512k", "--min-free"), 512 * 1024);
  assert.equal(parseByteSize("1.5GiB", "--min-free"), 1.5 * 1024 ** 3);
  for (const bad of ["", "-1", "1Q", "lots"]) {
    assert.throws(() => parseByteSize(bad, "--min-free"), /invalid --min-free/, bad);
  }
});
