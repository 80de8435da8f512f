/**
 * Include/exclude globs over repo paths, with huggingface_hub's semantics: Python `fnmatch`
 * (`*` also crosses "/", `?`, `[seq]`, `[!seq]`, case-sensitive) and a pattern ending in "/"
 * meaning everything below that folder.
 *
 * @example
 * ```ts
 * fnmatch("a/b.json", "*.json"); // true, like Python's fnmatch
 * filterPaths(files, ["*.json", "tokenizer/"], ["*.bin"]);
 * ```
 * @module
 */

// Compiled patterns are reused across every file of every run; a small bound keeps a
// long-running server from growing this map with user-supplied patterns.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 512;

/** True when `path` matches `pattern` with Python `fnmatch.fnmatchcase` semantics. */
export function fnmatch(path: string, pattern: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = compile(pattern);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(path);
}

/**
 * Keeps the files whose path matches any `include` pattern (none or empty = all) and no
 * `exclude` pattern; exclude wins. A pattern ending in "/" matches everything below it.
 */
export function filterPaths<T extends { path: string }>(
  files: T[],
  include?: string[],
  exclude?: string[],
): T[] {
  const allow = (include ?? []).map(directoryPattern);
  const deny = (exclude ?? []).map(directoryPattern);
  return files.filter((file) =>
    (allow.length === 0 || allow.some((p) => fnmatch(file.path, p))) &&
    !deny.some((p) => fnmatch(file.path, p))
  );
}

function directoryPattern(pattern: string): string {
  return pattern.endsWith("/") ? pattern + "*" : pattern;
}

function literal(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

/** Translates an fnmatch pattern into an anchored RegExp (the `u` and `s` flags: code points, newlines). */
function compile(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let out = "";
  let i = 0;
  while (i < chars.length) {
    const c = chars[i++];
    if (c === "*") {
      while (chars[i] === "*") i++;
      out += ".*";
    } else if (c === "?") {
      out += ".";
    } else if (c === "[") {
      const set = bracket(chars, i);
      if (set) {
        out += set.source;
        i = set.next;
      } else {
        out += literal("[");
      }
    } else {
      out += literal(c);
    }
  }
  return new RegExp(`^(?:${out})$`, "us");
}

/**
 * Parses `[seq]` starting after the "[" as Python does: a leading "!" negates, a "]" right
 * after the opening (or after "!") is literal, "-" first or last is literal, reversed ranges
 * match nothing. Returns undefined when the bracket never closes (then "[" is literal).
 */
function bracket(chars: string[], start: number): { source: string; next: number } | undefined {
  let j = start;
  if (chars[j] === "!") j++;
  if (chars[j] === "]") j++;
  while (j < chars.length && chars[j] !== "]") j++;
  if (j >= chars.length) return undefined;
  let body = chars.slice(start, j);
  const negate = body[0] === "!";
  if (negate) body = body.slice(1);
  let items = "";
  for (let k = 0; k < body.length;) {
    if (body[k + 1] === "-" && k + 2 < body.length) {
      const lo = body[k].codePointAt(0)!;
      const hi = body[k + 2].codePointAt(0)!;
      if (lo <= hi) items += `${literal(body[k])}-${literal(body[k + 2])}`;
      k += 3;
    } else {
      items += literal(body[k]);
      k += 1;
    }
  }
  let source: string;
  if (items === "") source = negate ? "." : "(?!)";
  else source = negate ? `[^${items}]` : `[${items}]`;
  return { source, next: j + 1 };
}
