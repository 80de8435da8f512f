/**
 * The download part of a schedule or download body (source, globs, layout, target dir, URL
 * checksum and file name, connections, verification, retention), with defaults: an hf source
 * goes to the hf cache unless `local-dir`; a URL lands as a plain file in `dir`.
 *
 * @example
 * ```ts
 * const spec = normalizeSpec({ source: "hf:openai-community/gpt2", include: ["*.json"] });
 * ```
 * @module
 */
import { isAbsolute } from "node:path";
import { parseSource } from "../../download/source/source.ts";
import type { DownloadSpec } from "../../store/records.ts";
import { invalid, text } from "./input_checks.ts";
import { MAX_GLOBS } from "./input_schema.ts";

function globs(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_GLOBS) {
    throw invalid(field, `invalid ${field}: expected a list of glob patterns such as ["*.json"]`);
  }
  return value.map((g, i) => text(g, `${field}[${i}]`, 1024));
}

/**
 * A target directory: absolute and without `..` segments, since a server resolves nothing
 * against its own working directory and a traversal in a destination is refused outright.
 */
function targetDir(value: unknown): string {
  const dir = text(value, "dir", 4096);
  if (!isAbsolute(dir) || dir.split(/[\\/]/).includes("..")) {
    throw invalid(
      "dir",
      `invalid dir ${JSON.stringify(dir)}: expected an absolute path without ".." segments, ` +
        'e.g. "/srv/models/gpt2"',
    );
  }
  return dir;
}

/** The download part of an input (source, globs, layout, target), with defaults. */
export function normalizeSpec(input: Record<string, unknown>): DownloadSpec {
  const sourceText = typeof input.source === "string" ? input.source.trim() : input.source;
  const source = parseSource(sourceText as string);
  const spec: DownloadSpec = {
    source: sourceText as string,
    include: input.include === undefined ? ["*"] : globs(input.include, "include"),
    exclude: input.exclude === undefined ? [] : globs(input.exclude, "exclude"),
    layout: "hf-cache",
  };
  if (input.dir !== undefined) spec.dir = targetDir(input.dir);
  if (source.kind === "hf") hubFields(input, spec);
  else urlFields(input, spec);
  transferFields(input, spec);
  retentionFields(input, spec);
  return spec;
}

/** An hf source: its layout (`local-dir` needs `dir`); URL-only fields refused. */
function hubFields(input: Record<string, unknown>, spec: DownloadSpec): void {
  if (input.layout !== undefined && input.layout !== "hf-cache" && input.layout !== "local-dir") {
    throw invalid(
      "layout",
      `invalid layout ${JSON.stringify(input.layout)}: expected "hf-cache" or "local-dir"`,
    );
  }
  spec.layout = (input.layout as DownloadSpec["layout"]) ?? "hf-cache";
  if (spec.layout === "local-dir" && !spec.dir) {
    throw invalid("dir", 'layout "local-dir" needs "dir": the directory the files go to');
  }
  for (const field of ["sha256", "filename"]) {
    if (input[field] !== undefined) {
      throw invalid(
        field,
        `${field} applies to URL sources only; hub files are verified from the listing`,
      );
    }
  }
}

/** A URL source: a plain file in `dir`, with an optional checksum and file name. */
function urlFields(input: Record<string, unknown>, spec: DownloadSpec): void {
  if (input.layout !== undefined) {
    throw invalid(
      "layout",
      'layout applies to hf sources only; a URL downloads into "dir" (default <data>/downloads)',
    );
  }
  // URL files land as plain files in dir (or the downloads dir)
  spec.layout = "local-dir";
  if (input.sha256 !== undefined) {
    if (typeof input.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(input.sha256)) {
      throw invalid(
        "sha256",
        `invalid sha256 ${JSON.stringify(input.sha256)}: expected 64 hex characters`,
      );
    }
    spec.sha256 = input.sha256.toLowerCase();
  }
  if (input.filename !== undefined) {
    const name = text(input.filename, "filename", 255);
    if (name.includes("/") || name.includes("\\") || name === "." || name === "..") {
      throw invalid(
        "filename",
        `invalid filename ${JSON.stringify(name)}: expected a plain file name without slashes`,
      );
    }
    spec.filename = name;
  }
}

/** `connections` (1 to 32) and `verify` (`changed` or `always`). */
function transferFields(input: Record<string, unknown>, spec: DownloadSpec): void {
  if (input.connections !== undefined) {
    const c = input.connections;
    if (typeof c !== "number" || !Number.isInteger(c) || c < 1 || c > 32) {
      throw invalid(
        "connections",
        `invalid connections ${JSON.stringify(c)}: expected a whole number from 1 to 32`,
      );
    }
    spec.connections = c;
  }
  if (input.verify !== undefined) {
    if (input.verify !== "changed" && input.verify !== "always") {
      throw invalid(
        "verify",
        `invalid verify ${JSON.stringify(input.verify)}: expected "changed" (hash files whose ` +
          `size, mtime or inode changed) or "always" (hash every present file)`,
      );
    }
    spec.verify = input.verify;
  }
}

/** `keepRevisions` (hf-cache) and `prune` (local-dir), each only where it means something. */
function retentionFields(input: Record<string, unknown>, spec: DownloadSpec): void {
  const hub = parseSource(spec.source).kind === "hf";
  if (input.keepRevisions !== undefined) {
    const k = input.keepRevisions;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > 10_000) {
      throw invalid(
        "keepRevisions",
        `invalid keepRevisions ${JSON.stringify(k)}: expected a whole number from 1 to 10000 ` +
          "(leave it out to keep every revision)",
      );
    }
    if (!hub || spec.layout !== "hf-cache") {
      throw invalid(
        "keepRevisions",
        'keepRevisions applies to hf sources in the "hf-cache" layout; for a local dir use ' +
          '"prune": true',
      );
    }
    spec.keepRevisions = k;
  }
  if (input.prune !== undefined) {
    if (typeof input.prune !== "boolean") {
      throw invalid(
        "prune",
        `invalid prune ${JSON.stringify(input.prune)}: expected true or false`,
      );
    }
    if (!hub || spec.layout !== "local-dir") {
      throw invalid(
        "prune",
        'prune applies to hf sources in the "local-dir" layout; in the hf cache use ' +
          '"keepRevisions"',
      );
    }
    if (input.prune) spec.prune = true;
  }
}
