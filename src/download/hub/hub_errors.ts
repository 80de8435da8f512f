/**
 * Hub HTTP failures -> NightpullErrors whose messages say what to do, following
 * huggingface_hub's `hf_raise_for_status` reading of `X-Error-Code` / `X-Error-Message`.
 * Pure: the caller passes what it sent (whether a token went along) and what came back.
 *
 * @example
 * ```ts
 * hubHttpError({ status: 404, errorCode: "RevisionNotFound", ...context }); // revision_not_found
 * ```
 * @module
 */
import { registerSecret, scrubSecrets } from "../../secrets.ts";
import { NightpullError } from "../../errors.ts";
import { REPO_URL_PREFIX, type RepoType } from "../source/source.ts";

/** Where a failed hub request pointed, and what was sent. */
interface HubRequestContext {
  /** Endpoint base URL without trailing slash. */
  endpoint: string;
  repoType: RepoType;
  repoId: string;
  revision?: string;
  path?: string;
  /** Whether an Authorization header went with the request. */
  tokenSent: boolean;
  /** The token itself, only so it can be scrubbed from anything the server echoes. */
  token?: string;
}

/** The parts of a failed response that decide the error. */
interface HubResponseFacts {
  status: number;
  /** `X-Error-Code` header. */
  errorCode?: string | null;
  /** `X-Error-Message` header, else the body's `error` field. */
  errorMessage?: string | null;
  /** Seconds the server asked to wait (read by `serverRetryAfterMs`, the one parser). */
  retryAfter?: string | null;
}

const TOKEN_HELP = "set HF_TOKEN or write your token to ~/.cache/huggingface/token";

/** The repo's web page on the endpoint, e.g. `https://huggingface.co/datasets/org/name`. */
export function repoPageUrl(endpoint: string, repoType: RepoType, repoId: string): string {
  return `${endpoint}/${REPO_URL_PREFIX[repoType]}${repoId}`;
}

/** Removes every secret and control characters from server text, then bounds its length. */
export function scrubServerText(text: string, token?: string): string {
  registerSecret(token);
  let clean = scrubSecrets(text);
  // deno-lint-ignore no-control-regex -- server text goes into one-line messages and logs
  clean = clean.replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").trim();
  return clean.length > 300 ? clean.slice(0, 300) + "…" : clean;
}

/** Maps a non-2xx/3xx hub answer onto a stable error code; undefined for success. */
export function hubHttpError(
  facts: HubResponseFacts,
  context: HubRequestContext,
): NightpullError | undefined {
  const { status } = facts;
  if (status < 400) return undefined;
  const code = facts.errorCode ?? undefined;
  const serverText = facts.errorMessage
    ? scrubServerText(facts.errorMessage, context.token)
    : undefined;
  const repo = context.repoId;
  const page = repoPageUrl(context.endpoint, context.repoType, repo);
  const details: Record<string, unknown> = {
    repo,
    repoType: context.repoType,
    ...(context.revision !== undefined ? { revision: context.revision } : {}),
    ...(context.path !== undefined ? { path: context.path } : {}),
    status,
    ...(code ? { hubErrorCode: code } : {}),
  };
  const fail = (c: ConstructorParameters<typeof NightpullError>[0], message: string) =>
    new NightpullError(c, message, details);
  const said = { code, serverText, repo, page };
  return byHubErrorCode(facts, context, said, fail) ?? byStatus(facts, context, said, fail);
}

/** What the hub said about the error (its code, its scrubbed text) and where the repo lives. */
interface HubSaid {
  code?: string;
  serverText?: string;
  repo: string;
  page: string;
}

type Fail = (c: ConstructorParameters<typeof NightpullError>[0], message: string) => NightpullError;

/** The errors the hub names itself (`X-Error-Code`, a disabled repo's message). */
function byHubErrorCode(
  _facts: HubResponseFacts,
  context: HubRequestContext,
  { code, serverText, repo, page }: HubSaid,
  fail: Fail,
): NightpullError | undefined {
  if (code === "GatedRepo") {
    return fail(
      "gated_repo",
      context.tokenSent
        ? `access to ${repo} is restricted and your token has not been granted access: ` +
          `accept the license at ${page} with the account that owns the token ` +
          `(approval can take a while), then retry`
        : `access to ${repo} is restricted: accept the license at ${page}, then ${TOKEN_HELP}`,
    );
  }
  if (code === "RevisionNotFound") {
    return fail(
      "revision_not_found",
      `revision "${context.revision ?? "?"}" not found in ${repo}: ` +
        `use a branch, tag or commit that exists (see ${page})`,
    );
  }
  if (code === "EntryNotFound") {
    return fail(
      "entry_not_found",
      `file "${context.path ?? "?"}" not found in ${repo} at ${context.revision ?? "?"}: ` +
        `the listing and the file no longer agree; run again to list the repo anew`,
    );
  }
  if (serverText === "Access to this resource is disabled.") {
    return fail("forbidden", `${repo} has been disabled on the hub (${page}); nothing to download`);
  }
  return undefined;
}

/** The other failures, by HTTP status (and whether a token was sent). */
function byStatus(
  facts: HubResponseFacts,
  context: HubRequestContext,
  { code, serverText, repo, page }: HubSaid,
  fail: Fail,
): NightpullError {
  const { status } = facts;
  const invalidCredentials = /invalid (credentials|username or password|token)/i.test(
    serverText ?? "",
  );
  if (status === 401 && context.tokenSent && (invalidCredentials || code !== "RepoNotFound")) {
    return fail(
      "invalid_token",
      `the hub rejected your token (HF_TOKEN / token file): create a new one at ` +
        `${context.endpoint}/settings/tokens`,
    );
  }
  if (code === "RepoNotFound" || status === 401 || (status === 404 && !context.path)) {
    // The hub answers 401 for private and missing repos alike when nobody is logged in.
    return fail(
      "repo_not_found",
      context.tokenSent
        ? `repo ${repo} not found, or your token cannot read it: check the name and the type ` +
          `(hf:datasets/…, hf:spaces/…) at ${page}`
        : `repo ${repo} not found, or private: set HF_TOKEN if it is yours, and check the ` +
          `name and the type (hf:datasets/…, hf:spaces/…)`,
    );
  }
  if (status === 404) {
    return fail(
      "entry_not_found",
      `file "${context.path}" not found in ${repo} at ${context.revision ?? "?"} (HTTP 404)` +
        `${serverText ? `: ${serverText}` : ""}; run again to list the repo anew`,
    );
  }
  if (status === 403) {
    return fail(
      "forbidden",
      `the hub refused access to ${repo} (HTTP 403${serverText ? `: ${serverText}` : ""}): ` +
        (context.tokenSent
          ? "check that your token has read access to it"
          : `${TOKEN_HELP} if you have access`),
    );
  }
  if (status === 429) {
    const wait = facts.retryAfter ? ` (it asks to wait ${facts.retryAfter} s)` : "";
    return fail(
      "rate_limited",
      `the hub is rate-limiting requests${wait}: try again later` +
        (context.tokenSent ? "" : `, or ${TOKEN_HELP} for higher limits`),
    );
  }
  const what = context.path ? `file "${context.path}" of ${repo}` : repo;
  return fail(
    "upstream_error",
    `the hub answered HTTP ${status} for ${what}${serverText ? `: ${serverText}` : ""}; ` +
      (status >= 500 ? "the hub is having trouble, try again later" : "check the request"),
  );
}

/** A request that never got an answer: names the endpoint and what to check. */
export function hubNetworkError(
  endpoint: string,
  err: unknown,
  details: Record<string, unknown>,
  token?: string,
): NightpullError {
  const reason = scrubServerText(err instanceof Error ? err.message : String(err), token);
  return new NightpullError(
    "network_error",
    `cannot reach the hub at ${endpoint} (${reason}): is HF_ENDPOINT right? is the network up?`,
    { ...details, endpoint },
    { cause: err },
  );
}
