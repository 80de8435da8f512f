/**
 * The SOURCE of `nightpull pull` as `hf download` users type it: `hf:org/name@rev`, a bare
 * `org/name`, an `hf://[TYPE/]org/name[@rev][/path]` URI or an http(s) URL, with `--repo-type`
 * and `--revision` applied. Contradictions are usage errors that say what was meant.
 *
 * @example
 * ```ts
 * cliSource("acme/data", { repoType: "dataset", revision: "v1" });
 * // { text: "hf:datasets/acme/data@v1", source: {...}, paths: [] }
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";
import {
  formatSource,
  parseHfUri,
  parseSource,
  REPO_TYPES,
  type RepoType,
  type Source,
} from "../download/source/source.ts";

/** The source to pull, as canonical text and parsed, and the repo paths it names (if any). */
interface CliSource {
  text: string;
  source: Source;
  paths: string[];
}

const TYPED = /^(?:hf:(?:\/\/)?)?(models|datasets|spaces|kernels)\//i;
const TYPED_BARE = /^(?:models|datasets|spaces|kernels)\//i;
const BARE_REPO = /^[A-Za-z0-9][\w.-]*(?:\/[\w.-]+)?(?:@.+)?$/;

function usage(message: string): never {
  throw new NightpullError("usage", message);
}

/** Checks a `--repo-type` value. */
export function parseRepoType(raw: string): RepoType {
  if (!(REPO_TYPES as readonly string[]).includes(raw)) {
    usage(`invalid --repo-type "${raw}": expected one of ${REPO_TYPES.join(", ")}`);
  }
  return raw as RepoType;
}

/** Resolves SOURCE with `--repo-type` and `--revision` into one source and its paths. */
export function cliSource(
  text: string,
  options: { repoType?: RepoType; revision?: string } = {},
): CliSource {
  let source: Source;
  let paths: string[] = [];
  let changed = false;
  if (/^hf:\/\//i.test(text)) {
    const uri = parseHfUri(text);
    source = uri.source;
    if (uri.path) paths = [uri.path];
    changed = true;
  } else if (/^hf:/i.test(text) || /^https?:\/\//i.test(text)) {
    source = parseSource(text);
  } else if (BARE_REPO.test(text) && !/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    source = parseSource(`hf:${text}`);
    changed = true;
  } else {
    source = parseSource(text); // the usual invalid_source message
  }
  if (source.kind === "url") {
    if (options.repoType !== undefined || options.revision !== undefined) {
      usage("--repo-type and --revision apply to hub sources, not to a URL");
    }
    return { text, source, paths };
  }
  if (options.repoType !== undefined && options.repoType !== source.repoType) {
    const typed = TYPED.exec(text.replace(/^hf:\/\//i, "hf://"))?.[1];
    if (typed) {
      usage(`--repo-type ${options.repoType} contradicts the "${typed}/" in "${text}": keep one`);
    }
    source = { ...source, repoType: options.repoType };
    changed = true;
  }
  if (options.revision !== undefined && options.revision !== source.revision) {
    if (hasRevision(text)) {
      usage(`--revision ${options.revision} contradicts the @${source.revision} in "${text}"`);
    }
    // re-parsed so that the revision gets the same checks as one written after @
    source = parseSource(
      formatSource(source).replace(/@[^@]*$/, `@${encodeURIComponent(options.revision)}`),
    );
    changed = true;
  }
  return { text: changed ? formatSource(source) : text, source, paths };
}

/** Whether the text names a revision: an `@` within `[TYPE/]org/name`, as huggingface_hub reads it. */
function hasRevision(text: string): boolean {
  const body = text.replace(/^hf:(?:\/\/)?/i, "").replace(TYPED_BARE, "");
  const at = body.indexOf("@");
  return at !== -1 && body.slice(0, at).split("/").length <= 2;
}
