import assert from "node:assert/strict";
import {
  blobEtag,
  type HfSource,
  HubClient,
  type HubFile,
} from "../../../src/download/hub/hub_client.ts";
import { safeRelativePath } from "../../../src/download/layout/safe_path.ts";
import { NightpullError } from "../../../src/errors.ts";
import {
  type FakeHub,
  type FakeHubOptions,
  FIXTURE_TOKEN,
  standardRepos,
  startFakeHub,
} from "../../../fixtures/fake_hub.ts";
import { rejection } from "../_fetch_env.ts";
import { TINY_MODEL_MAIN } from "../../_tiny_model.ts";

const TINY_MAIN = TINY_MODEL_MAIN;

function hf(repoId: string, revision = "main", repoType: HfSource["repoType"] = "model"): HfSource {
  return { kind: "hf", repoType, repoId, revision };
}

async function fakeHub(options: Partial<FakeHubOptions> = {}) {
  const hub = await startFakeHub({ repos: standardRepos(), ...options });
  return Object.assign(hub, { [Symbol.asyncDispose]: () => hub.close() });
}

/** What the tree listing must say about a file, from the fixture's own bookkeeping. */
function expectedFile(
  hub: FakeHub,
  repoId: string,
  path: string,
  branch = "main",
  type: HfSource["repoType"] = "model",
): HubFile {
  const info = hub.fileInfo(repoId, path, branch, type);
  return {
    path,
    size: info.size,
    oid: info.gitSha1,
    ...(info.lfs ? { lfs: { oid: info.sha256, size: info.size } } : {}),
  };
}

Deno.test("resolveRevision: branch, tag, sha, pr ref, dataset and space", async () => {
  await using hub = await fakeHub();
  const api = new HubClient({ endpoint: hub.url });
  const main = hub.commitOf("acme/tiny-model", "main");
  const dev = hub.commitOf("acme/tiny-model", "dev");
  assert.match(main, /^[0-9a-f]{40}$/);
  assert.notEqual(main, dev);
  assert.equal(await api.resolveRevision(hf("acme/tiny-model")), main);
  assert.equal(await api.resolveRevision(hf("acme/tiny-model", "dev")), dev);
  assert.equal(await api.resolveRevision(hf("acme/tiny-model", "v1.0")), main);
  assert.equal(await api.resolveRevision(hf("acme/tiny-model", dev)), dev);
  assert.equal(
    await api.resolveRevision(hf("acme/tiny-model", "refs/pr/1")),
    hub.commitOf("acme/tiny-model", "refs/pr/1"),
  );
  assert.equal(
    await api.resolveRevision(hf("acme/tiny-data", "main", "dataset")),
    hub.commitOf("acme/tiny-data", "main", "dataset"),
  );
  assert.equal(
    await api.resolveRevision(hf("acme/tiny-space", "main", "space")),
    hub.commitOf("acme/tiny-space", "main", "space"),
  );
  const paths = hub.requests.map((r) => r.path);
  // `expand=sha`: the commit alone, not every file's name (a 100k-file repo's are ~4 MB)
  assert.ok(paths.includes("/api/models/acme/tiny-model/revision/refs%2Fpr%2F1?expand=sha"));
  assert.ok(paths.includes("/api/datasets/acme/tiny-data/revision/main?expand=sha"));
  assert.ok(paths.includes("/api/spaces/acme/tiny-space/revision/main?expand=sha"), paths.join());
  const res = await fetch(`${hub.url}/api/models/acme/tiny-model/revision/main?expand=sha`);
  assert.deepEqual(Object.keys(await res.json()).sort(), ["_id", "id", "sha"]);
});

Deno.test("resolveRevision: unknown repo, private repo, unknown revision", async () => {
  await using hub = await fakeHub();
  const anonymous = new HubClient({ endpoint: hub.url });
  const authed = new HubClient({ endpoint: hub.url, token: FIXTURE_TOKEN });

  let err = await rejection(anonymous.resolveRevision(hf("acme/nope")));
  assert.equal(err.code, "repo_not_found");
  assert.equal(err.exitCode, 4);
  assert.match(err.message, /repo acme\/nope not found, or private: set HF_TOKEN if it is yours/);

  err = await rejection(authed.resolveRevision(hf("acme/nope")));
  assert.equal(err.code, "repo_not_found");
  assert.equal(err.details?.status, 404);

  // a model id asked for as a dataset is not found either
  err = await rejection(anonymous.resolveRevision(hf("acme/tiny-model", "main", "dataset")));
  assert.equal(err.code, "repo_not_found");

  err = await rejection(anonymous.resolveRevision(hf("acme/private-model")));
  assert.equal(err.code, "repo_not_found");
  assert.match(err.message, /set HF_TOKEN/);
  assert.equal(
    await authed.resolveRevision(hf("acme/private-model")),
    hub.commitOf("acme/private-model", "main"),
  );

  err = await rejection(anonymous.resolveRevision(hf("acme/tiny-model", "no-such-branch")));
  assert.equal(err.code, "revision_not_found");
  assert.match(err.message, /^revision "no-such-branch" not found in acme\/tiny-model/);
  assert.equal(err.details?.revision, "no-such-branch");
});

Deno.test("listFiles follows pagination and returns every nested file with LFS data", async () => {
  await using hub = await fakeHub({ treePageSize: 2 });
  const api = new HubClient({ endpoint: hub.url, token: FIXTURE_TOKEN });
  const source = hf("acme/tiny-model");
  const commit = await api.resolveRevision(source);
  const files = await api.listFiles(source, commit);
  const byPath = [...files].sort((a, b) => a.path < b.path ? -1 : 1);
  assert.deepEqual(byPath, TINY_MAIN.map((path) => expectedFile(hub, "acme/tiny-model", path)));
  assert.ok(files.find((f) => f.path === "model.safetensors")?.lfs, "safetensors is LFS");
  assert.equal(files.find((f) => f.path === "tokenizer/merges.txt")?.lfs, undefined);
  assert.equal(
    blobEtag(files.find((f) => f.path === "model.safetensors")!),
    hub.fileInfo("acme/tiny-model", "model.safetensors").sha256,
  );
  assert.equal(
    blobEtag(files.find((f) => f.path === "config.json")!),
    hub.fileInfo("acme/tiny-model", "config.json").gitSha1,
  );

  const pages = hub.requests.filter((r) => r.path.includes("/tree/"));
  // 8 files + 3 folders at 2 entries per page
  assert.equal(pages.length, 6);
  assert.ok(
    pages[0].path.startsWith(
      `/api/models/acme/tiny-model/tree/${commit}?recursive=true&expand=false`,
    ),
  );
  assert.ok(pages.slice(1).every((p) => p.path.includes("cursor=")));
  assert.ok(pages.every((p) => p.authorization === `Bearer ${FIXTURE_TOKEN}` && p.status === 200));
});

Deno.test("listFiles lists the commit it is given: dev branch, dataset", async () => {
  await using hub = await fakeHub({ treePageSize: 3 });
  const api = new HubClient({ endpoint: hub.url });
  const dev = await api.listFiles(hf("acme/tiny-model"), hub.commitOf("acme/tiny-model", "dev"));
  assert.ok(dev.some((f) => f.path === "dev-notes.txt"));
  assert.ok(!dev.some((f) => f.path.startsWith("onnx/")));
  assert.deepEqual(
    dev.find((f) => f.path === "config.json"),
    expectedFile(hub, "acme/tiny-model", "config.json", "dev"),
  );
  const data = hf("acme/tiny-data", "main", "dataset");
  const files = await api.listFiles(data, await api.resolveRevision(data));
  assert.deepEqual(
    files.map((f) => f.path).sort(),
    [
      ".gitattributes",
      "README.md",
      "data/test/part-0000.jsonl",
      "data/train.parquet",
      "data/train/part-0000.jsonl",
    ],
  );
  assert.deepEqual(
    files.find((f) => f.path === "data/train.parquet"),
    expectedFile(hub, "acme/tiny-data", "data/train.parquet", "main", "dataset"),
  );
});

Deno.test("gated repo: refused without a token with what to do, works with the token", async () => {
  await using hub = await fakeHub({ ungrantedTokens: ["hf_not_granted"] });
  const source = hf("acme/gated-model");
  const err = await rejection(new HubClient({ endpoint: hub.url }).resolveRevision(source));
  assert.equal(err.code, "gated_repo");
  assert.equal(err.exitCode, 3);
  assert.equal(
    err.message,
    `access to acme/gated-model is restricted: accept the license at ${hub.url}/acme/gated-model, ` +
      "then set HF_TOKEN or write your token to ~/.cache/huggingface/token",
  );
  assert.deepEqual(err.details, {
    repo: "acme/gated-model",
    repoType: "model",
    revision: "main",
    status: 401,
    hubErrorCode: "GatedRepo",
  });

  const notGranted = await rejection(
    new HubClient({ endpoint: hub.url, token: "hf_not_granted" }).resolveRevision(source),
  );
  assert.equal(notGranted.code, "gated_repo");
  assert.match(notGranted.message, /not been granted access/);
  assert.equal(notGranted.message.includes("hf_not_granted"), false);

  const api = new HubClient({ endpoint: hub.url, token: FIXTURE_TOKEN });
  const commit = await api.resolveRevision(source);
  assert.equal(commit, hub.commitOf("acme/gated-model", "main"));
  const files = await api.listFiles(source, commit);
  assert.deepEqual(files.map((f) => f.path).sort(), ["config.json", "model.safetensors"]);
});

Deno.test("a bad token is invalid_token, and the token is in no message", async () => {
  await using hub = await fakeHub();
  const bad = "hf_this_token_is_revoked_42";
  const api = new HubClient({ endpoint: hub.url, token: bad });
  for (
    const attempt of [
      () => api.resolveRevision(hf("acme/tiny-model")),
      () => api.listFiles(hf("acme/tiny-model"), hub.commitOf("acme/tiny-model", "main")),
    ]
  ) {
    const err = await rejection(attempt());
    assert.equal(err.code, "invalid_token");
    assert.equal(err.exitCode, 3);
    assert.equal(
      err.message,
      `the hub rejected your token (HF_TOKEN / token file): create a new one at ${hub.url}/settings/tokens`,
    );
    assert.equal(JSON.stringify(err.toJSON()).includes(bad), false);
    assert.equal(String(err.stack).includes(bad), false);
  }
  assert.ok(hub.requests.every((r) => r.authorization === `Bearer ${bad}` && r.status === 401));
});

Deno.test("acme/evil: the listing names unsafe paths, and safeRelativePath refuses them", async () => {
  await using hub = await fakeHub();
  const api = new HubClient({ endpoint: hub.url });
  const source = hf("acme/evil");
  const files = await api.listFiles(source, await api.resolveRevision(source));
  const verdicts = Object.fromEntries(files.map((f) => {
    try {
      return [f.path, safeRelativePath(f.path)];
    } catch (err) {
      return [f.path, (err as NightpullError).code];
    }
  }));
  assert.deepEqual(verdicts, {
    "ok.txt": "ok.txt",
    "../evil.txt": "unsafe_path",
    "/etc/x": "unsafe_path",
    "a/../../b": "unsafe_path",
  });
});

Deno.test("fileUrl serves the listed bytes; a missing file maps to entry_not_found", async () => {
  await using hub = await fakeHub();
  const api = new HubClient({ endpoint: hub.url, token: FIXTURE_TOKEN });
  const source = hf("acme/tiny-model");
  const commit = await api.resolveRevision(source);
  for (const path of ["config.json", "tokenizer/vocab.json"]) {
    const res = await fetch(api.fileUrl(source, commit, path), { headers: api.authHeaders() });
    assert.equal(res.status, 200);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      hub.fileBytes("acme/tiny-model", path),
    );
  }
  const res = await fetch(api.fileUrl(source, commit, "tokenizer/missing.json"), {
    headers: api.authHeaders(),
  });
  await res.body?.cancel();
  const err = api.mapHttpError(res, { source, revision: commit, path: "tokenizer/missing.json" });
  assert.equal(err?.code, "entry_not_found");
  assert.match(
    err!.message,
    new RegExp(`^file "tokenizer/missing.json" not found in acme/tiny-model at ${commit}`),
  );
  assert.deepEqual(err?.details, {
    repo: "acme/tiny-model",
    repoType: "model",
    revision: commit,
    path: "tokenizer/missing.json",
    status: 404,
    hubErrorCode: "EntryNotFound",
  });
});
