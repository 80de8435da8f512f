import assert from "node:assert/strict";
import { type HfSource, HubClient } from "../../../src/download/hub/hub_client.ts";
import { hubHttpError, scrubServerText } from "../../../src/download/hub/hub_errors.ts";
import type { ErrorCode } from "../../../src/errors.ts";

const TOKEN = "hf_SeCrEtToKeN1234567890";
const ENDPOINT = "https://hub.example";
const MODEL: HfSource = { kind: "hf", repoType: "model", repoId: "acme/m", revision: "main" };
const DATASET: HfSource = { kind: "hf", repoType: "dataset", repoId: "acme/d", revision: "v2" };

function respond(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

interface Case {
  name: string;
  res: Response;
  token?: string;
  source?: HfSource;
  path?: string;
  code: ErrorCode | undefined;
  message?: RegExp;
  exit?: number;
}

const CASES: Case[] = [
  { name: "200", res: respond(200), code: undefined },
  { name: "302", res: respond(302, { location: "/x" }), code: undefined },
  {
    name: "gated, anonymous",
    res: respond(401, { "x-error-code": "GatedRepo" }),
    code: "gated_repo",
    message:
      /^access to acme\/m is restricted: accept the license at https:\/\/hub\.example\/acme\/m, then set HF_TOKEN or write your token to ~\/\.cache\/huggingface\/token$/,
    exit: 3,
  },
  {
    name: "gated, token not granted",
    res: respond(403, { "x-error-code": "GatedRepo", "x-error-message": "Access restricted" }),
    token: TOKEN,
    code: "gated_repo",
    message: /not been granted access: accept the license at https:\/\/hub\.example\/acme\/m/,
    exit: 3,
  },
  {
    name: "gated dataset names the dataset page",
    res: respond(401, { "x-error-code": "GatedRepo" }),
    source: DATASET,
    code: "gated_repo",
    message: /https:\/\/hub\.example\/datasets\/acme\/d,/,
  },
  {
    name: "401 anonymous = not found or private",
    res: respond(401, { "x-error-code": "RepoNotFound" }),
    code: "repo_not_found",
    message: /repo acme\/m not found, or private: set HF_TOKEN if it is yours/,
    exit: 4,
  },
  {
    name: "401 anonymous without code",
    res: respond(401),
    code: "repo_not_found",
    message: /not found, or private/,
  },
  {
    name: "401 with token, invalid credentials",
    res: respond(401, { "x-error-message": "Invalid credentials in Authorization header" }),
    token: TOKEN,
    code: "invalid_token",
    message:
      /^the hub rejected your token \(HF_TOKEN \/ token file\): create a new one at https:\/\/hub\.example\/settings\/tokens$/,
    exit: 3,
  },
  {
    name: "401 with token and RepoNotFound",
    res: respond(401, { "x-error-code": "RepoNotFound" }),
    token: TOKEN,
    code: "repo_not_found",
    message: /your token cannot read it/,
  },
  {
    name: "404 RepoNotFound",
    res: respond(404, { "x-error-code": "RepoNotFound" }),
    token: TOKEN,
    code: "repo_not_found",
  },
  {
    name: "404 RevisionNotFound names the revision",
    res: respond(404, { "x-error-code": "RevisionNotFound" }),
    source: DATASET,
    code: "revision_not_found",
    message: /^revision "v2" not found in acme\/d: use a branch, tag or commit that exists/,
    exit: 4,
  },
  {
    name: "404 EntryNotFound names the path",
    res: respond(404, { "x-error-code": "EntryNotFound" }),
    path: "sub/w.bin",
    code: "entry_not_found",
    message: /^file "sub\/w\.bin" not found in acme\/m at main/,
  },
  {
    name: "bare 404 on a file",
    res: respond(404),
    path: "a.bin",
    code: "entry_not_found",
  },
  {
    name: "disabled repo",
    res: respond(403, { "x-error-message": "Access to this resource is disabled." }),
    code: "forbidden",
    message: /disabled/,
  },
  {
    name: "plain 403",
    res: respond(403, { "x-error-message": "nope" }),
    token: TOKEN,
    code: "forbidden",
    message: /HTTP 403: nope\): check that your token has read access/,
  },
  {
    name: "429",
    res: respond(429, { "retry-after": "120" }),
    code: "rate_limited",
    message: /wait 120 s/,
  },
  {
    name: "500 with message",
    res: respond(500, { "x-error-message": "Internal Error" }),
    code: "upstream_error",
    message: /^the hub answered HTTP 500 for acme\/m: Internal Error; .*try again later$/,
  },
  {
    name: "418 names the file",
    res: respond(418),
    path: "x.txt",
    code: "upstream_error",
    message: /HTTP 418 for file "x\.txt" of acme\/m/,
  },
  {
    name: "server echoing the token is scrubbed",
    res: respond(500, { "x-error-message": `bad header Bearer ${TOKEN}` }),
    token: TOKEN,
    code: "upstream_error",
    message: /Bearer \*\*\*/,
  },
];

Deno.test("mapHttpError: hub statuses and X-Error-Code map to actionable errors", () => {
  for (const c of CASES) {
    const hub = new HubClient({ endpoint: ENDPOINT + "/", token: c.token });
    const source = c.source ?? MODEL;
    const err = hub.mapHttpError(c.res, { source, path: c.path });
    assert.equal(err?.code, c.code, c.name);
    if (!err) continue;
    if (c.message) assert.match(err.message, c.message, c.name);
    if (c.exit !== undefined) assert.equal(err.exitCode, c.exit, c.name);
    assert.equal(err.message.includes(TOKEN), false, c.name);
    assert.equal(JSON.stringify(err.toJSON()).includes(TOKEN), false, c.name);
    assert.equal(err.details?.repo, source.repoId, c.name);
    assert.equal(err.details?.revision, source.revision, c.name);
    assert.equal(err.details?.status, c.res.status, c.name);
    assert.equal(err.details?.path, c.path, c.name);
  }
});

Deno.test("mapHttpError uses the body's error text when X-Error-Message is absent", () => {
  const hub = new HubClient({ endpoint: ENDPOINT });
  const err = hub.mapHttpError(respond(502), { source: MODEL }, "Bad Gateway");
  assert.match(err!.message, /HTTP 502 for acme\/m: Bad Gateway/);
});

Deno.test("hubHttpError passes 2xx and 3xx", () => {
  const context = {
    endpoint: ENDPOINT,
    repoType: "model" as const,
    repoId: "a/b",
    tokenSent: false,
  };
  assert.equal(hubHttpError({ status: 204 }, context), undefined);
  assert.equal(hubHttpError({ status: 307 }, context), undefined);
});

Deno.test("scrubServerText removes the token and control characters, bounds length", () => {
  assert.equal(scrubServerText(`a ${TOKEN}\nb\u0007`, TOKEN), "a *** b");
  assert.equal(scrubServerText("x".repeat(400)).length, 301);
});

Deno.test("HubClient refuses an endpoint that is not a plain http(s) URL", () => {
  const bad = [
    "",
    "huggingface.co",
    "ftp://hub.example",
    "https://hub.example/?a=1",
    "https://u:pw@hub.example",
  ];
  for (const endpoint of bad) {
    assert.throws(() => new HubClient({ endpoint }), { code: "invalid_config" }, endpoint);
  }
  assert.throws(
    () => new HubClient({ endpoint: "https://u:pw@hub.example" }),
    (err: Error) => !err.message.includes("pw"),
  );
  assert.equal(
    new HubClient({ endpoint: "https://hub.example/mirror/" }).endpoint,
    "https://hub.example/mirror",
  );
});

Deno.test("fileUrl, repoUrl and authHeaders", () => {
  const hub = new HubClient({ endpoint: "https://hub.example/", token: TOKEN });
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(
    hub.fileUrl(MODEL, sha, "sub dir/naïve (1)#?.json"),
    `https://hub.example/acme/m/resolve/${sha}/sub%20dir/na%C3%AFve%20%281%29%23%3F.json`,
  );
  assert.equal(
    hub.fileUrl(DATASET, sha, "a/b.csv"),
    `https://hub.example/datasets/acme/d/resolve/${sha}/a/b.csv`,
  );
  assert.equal(
    hub.fileUrl({ ...MODEL, repoType: "space" }, "refs/pr/1", "app.py"),
    "https://hub.example/spaces/acme/m/resolve/refs%2Fpr%2F1/app.py",
  );
  assert.equal(hub.repoUrl(DATASET), "https://hub.example/datasets/acme/d");
  assert.deepEqual(hub.authHeaders(), { Authorization: `Bearer ${TOKEN}` });
  assert.deepEqual(new HubClient({ endpoint: ENDPOINT }).authHeaders(), {});
  assert.deepEqual(new HubClient({ endpoint: ENDPOINT, token: "" }).authHeaders(), {});
});
