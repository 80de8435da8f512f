/**
 * What to download: `hf:<repo_id>[@<revision>]` (with `datasets/` or `spaces/` prefixes) or an
 * `http(s)://` URL. Parsing is pure and strict; a bad source says what a good one looks like.
 *
 * @example
 * ```ts
 * parseSource("hf:datasets/org/data@v1"); // {kind:"hf", repoType:"dataset", repoId:"org/data", revision:"v1"}
 * ```
 * @module
 */
import { BIDI_CONTROL } from "../layout/safe_path.ts";
import { NightpullError } from "../../errors.ts";

/** Hugging Face repository kinds (huggingface_hub's `REPO_TYPES_WITH_KERNEL`). */
export type RepoType = "model" | "dataset" | "space" | "kernel";

/** Every repo type, in huggingface_hub's order. */
export const REPO_TYPES: readonly RepoType[] = ["model", "dataset", "space", "kernel"];

/**
 * huggingface_hub's `REPO_TYPES_URL_PREFIXES`: what comes before `org/name` in hub URLs, in
 * `hf:` sources and in `hf://` URIs (models have none).
 */
export const REPO_URL_PREFIX: Record<RepoType, string> = {
  model: "",
  dataset: "datasets/",
  space: "spaces/",
  kernel: "kernels/",
};

/**
 * The plural words of hub URLs, `hf:` sources and cache folder names (`models`, `datasets`,
 * `spaces`, `kernels`) to their repo type.
 */
export const REPO_TYPE_BY_PLURAL: Record<string, RepoType> = {
  models: "model",
  datasets: "dataset",
  spaces: "space",
  kernels: "kernel",
};

/**
 * The plural word of a repo type (`models`, `datasets`, ...), as in the hub API's
 * `/api/<plural>/<repo>` and the cache's `<plural>--org--name` folders.
 */
export function repoTypePlural(repoType: RepoType): string {
  return `${repoType}s`;
}

/** A parsed source. */
export type Source =
  | { kind: "hf"; repoType: RepoType; repoId: string; revision: string }
  | { kind: "url"; url: URL };

const REPO_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
const EXAMPLES = '"hf:openai-community/gpt2@main", "hf:datasets/org/name" or "https://host/file"';

function invalid(text: string, why: string): NightpullError {
  return new NightpullError(
    "invalid_source",
    `invalid source "${text}": ${why}; expected ${EXAMPLES}`,
    { field: "source" },
  );
}

/** Parses a source string; throws `invalid_source` naming what is wrong. */
export function parseSource(text: string): Source {
  if (typeof text !== "string" || text.length === 0) throw invalid(String(text), "it is empty");
  if (text.length > 2048) throw invalid(text.slice(0, 40) + "…", "longer than 2048 characters");
  if (/^hf:\/\//i.test(text)) return parseHfUri(text).source;
  if (/^hf:/i.test(text)) return parseHf(text);
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid(text, "not a valid URL");
    }
    if (url.username || url.password) {
      throw invalid(text, "credentials in URLs are not accepted (they would be stored)");
    }
    if (BIDI_CONTROL.test(safeDecode(url.pathname)) || BIDI_CONTROL.test(url.hostname)) {
      throw invalid(
        text,
        "the URL contains a bidirectional control character (U+202A-U+202E, U+2066-U+2069), " +
          "which would disguise the downloaded file's name",
      );
    }
    return { kind: "url", url };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
  throw invalid(text, scheme ? `unknown scheme "${scheme}:"` : "no scheme");
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function parseHf(text: string): Source {
  let rest = text.slice(3);
  let revision = "main";
  const at = rest.indexOf("@");
  if (at >= 0) {
    try {
      revision = decodeURIComponent(rest.slice(at + 1));
    } catch {
      throw invalid(text, 'the revision has a bad %-escape (write "%25" for a literal "%")');
    }
    rest = rest.slice(0, at);
    if (!revision) throw invalid(text, "empty revision after @");
    // deno-lint-ignore no-control-regex -- control characters are exactly what we refuse
    if (/[\x00-\x1f\x7f]|\.\.|^\/|\\/.test(revision)) throw invalid(text, "unsafe revision");
    // git ref names never contain whitespace; a stray space is a typo, not a branch
    if (/\s/.test(revision)) throw invalid(text, "the revision contains whitespace");
    if (BIDI_CONTROL.test(revision)) {
      throw invalid(text, "the revision contains a bidirectional control character");
    }
  }
  let repoType: RepoType = "model";
  const parts = rest.split("/");
  if (Object.hasOwn(REPO_TYPE_BY_PLURAL, parts[0])) repoType = REPO_TYPE_BY_PLURAL[parts.shift()!];
  if (parts.length < 1 || parts.length > 2) {
    throw invalid(text, "a repo id is <name> or <org>/<name>");
  }
  for (const part of parts) {
    if (!REPO_PART.test(part) || part.includes("..") || part.includes("--")) {
      throw invalid(text, `"${part}" is not a valid repo id part`);
    }
  }
  return { kind: "hf", repoType, repoId: parts.join("/"), revision };
}

/** The canonical text of a source (used as a key, so equal sources format equally). */
export function formatSource(source: Source): string {
  if (source.kind === "url") return source.url.href;
  const prefix = REPO_URL_PREFIX[source.repoType];
  // "%" is escaped so that parseSource(formatSource(s)) gives back s.
  return `hf:${prefix}${source.repoId}@${source.revision.replaceAll("%", "%25")}`;
}

/** A parsed `hf://` URI: the source, and the path inside the repo it names ("" for all). */
interface HfUri {
  source: Extract<Source, { kind: "hf" }>;
  path: string;
}

/** `refs/pr/N` and `refs/convert/<name>` contain `/` and are matched before a path. */
const SPECIAL_REF = /^refs\/(?:convert\/[\w.-]+|pr\/\d+)/;

/**
 * Parses huggingface_hub's `hf://[<TYPE>/]<org>/<name>[@<REVISION>][/<PATH>]` (TYPE plural:
 * `datasets`, `spaces`, `kernels`, `models`). An `@` after the repo id starts the revision;
 * one further in is part of the path, as in huggingface_hub.
 */
export function parseHfUri(text: string): HfUri {
  const body = text.slice("hf://".length).replace(/^\/+|\/+$/g, "");
  const first = body.split("/")[0];
  const singular = REPO_TYPES.includes(first as RepoType) && first !== "model";
  if (singular) throw invalid(text, `the type prefix is plural: "${first}s/"`);
  const location = Object.hasOwn(REPO_TYPE_BY_PLURAL, first) ? body.slice(first.length + 1) : body;
  const prefix = Object.hasOwn(REPO_TYPE_BY_PLURAL, first) ? `${first}/` : "";
  const at = location.indexOf("@");
  let repoId: string;
  let revision = "";
  let path: string;
  if (at === -1 || location.slice(0, at).split("/").length > 2) {
    const parts = location.split("/");
    if (parts.length < 2) throw invalid(text, "the repo id must be <org>/<name>");
    repoId = parts.slice(0, 2).join("/");
    path = parts.slice(2).join("/");
  } else {
    repoId = location.slice(0, at);
    const rest = location.slice(at + 1);
    revision = SPECIAL_REF.exec(rest)?.[0] ?? rest.split("/")[0];
    path = rest.slice(revision.length).replace(/^\//, "");
    if (!revision) throw invalid(text, "empty revision after @");
  }
  const source = parseHf(`hf:${prefix}${repoId}${revision ? `@${revision}` : ""}`);
  if (source.kind !== "hf") throw invalid(text, "not a repository");
  return { source, path };
}
