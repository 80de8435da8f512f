/**
 * `REPO[@REV]` as the cache commands take it: `org/name` (a model), `datasets/org/name`,
 * `spaces/org/name` (also `models/org/name`), optionally `@revision`.
 *
 * @example
 * ```ts
 * parseRepoArg("datasets/acme/tiny-data@main"); // { type: "dataset", repo: "acme/tiny-data", revision: "main" }
 * ```
 * @module
 */
import { NightpullError } from "../../errors.ts";
import { REPO_TYPE_BY_PLURAL, type RepoType } from "../source/source.ts";
import { repoFolderName } from "../layout/hf_cache.ts";

/** A parsed repo argument. */
export interface RepoArg {
  type: RepoType;
  repo: string;
  revision?: string;
}

const PART = /^[\w.-]{1,96}$/;

/** Parses `REPO[@REV]`; throws `invalid_input` saying what a repo looks like. */
export function parseRepoArg(text: string, allowRevision = true): RepoArg {
  const at = text.indexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  const parts = name.split("/");
  const type = parts.length === 3
    ? REPO_TYPE_BY_PLURAL[parts[0]]
    : parts.length === 2
    ? "model"
    : undefined;
  const id = parts.slice(-2);
  const badRev = revision !== undefined &&
    (!allowRevision || !/^[\w./-]{1,200}$/.test(revision) || revision.split("/").includes(".."));
  if (!type || !id.every((p) => PART.test(p) && p !== "." && p !== "..") || badRev) {
    throw new NightpullError(
      "invalid_input",
      `invalid repo "${text}": expected org/name or datasets/org/name (spaces/org/name)` +
        (allowRevision ? ", optionally @revision" : ""),
      { field: "repos" },
    );
  }
  return { type, repo: id.join("/"), ...(revision !== undefined ? { revision } : {}) };
}

/** The cache folder name of a parsed repo. */
export function repoArgFolder(arg: RepoArg): string {
  return repoFolderName(arg.type, arg.repo);
}

/** `org/name` or `datasets/org/name`, as the commands print a repo. */
export function repoLabel(type: RepoType, repo: string): string {
  return type === "model" ? repo : `${type}s/${repo}`;
}
