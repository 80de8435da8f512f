/**
 * `nightpull manifest ls | verify`: what has been downloaded (from the KV manifest), and
 * whether the files on disk still match it. `verify` exits 5 on any size or hash mismatch,
 * 1 when files are missing, 0 when all are good.
 *
 * @example
 * ```ts
 * const code = await manifestCommand(["verify", "--source", "hf:acme/tiny-model"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { resolveConfig } from "../config.ts";
import { EXIT } from "../errors.ts";
import { manifestSourceKey } from "../download/source/source_key.ts";
import { verifyManifest, type VerifyResult } from "../download/verify/verify.ts";
import { allManifestEntries, type ManifestEntry } from "../store/manifest.ts";
import { openKv } from "../store/open_kv.ts";
import { usageError } from "./command.ts";
import { settingOptions } from "./setting_options.ts";
import { formatBytes } from "../byte_size.ts";
import { countText } from "./progress_text.ts";

/** Usage text of `nightpull manifest`. */
const MANIFEST_USAGE =
  `Usage: nightpull manifest ls     [--source SOURCE] [--json] [--data DIR] [--kv PATH]
       nightpull manifest verify [--source SOURCE] [--json] [--data DIR] [--kv PATH]

SOURCE as for pull (the revision is ignored). verify re-hashes every file: exit 0 all good,
1 files missing, 5 a size or SHA-256 mismatch.`;

const OPTIONS = {
  source: { type: "string" },
  json: { type: "boolean" },
  ...settingOptions("dataDir", "kv"),
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `nightpull manifest`; returns the exit code. */
export async function manifestCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(`${(err as Error).message}\n${MANIFEST_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(MANIFEST_USAGE);
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (sub !== "ls" && sub !== "verify") {
    usageError(
      `${sub ? `unknown manifest command "${sub}"` : "missing command"}: expected "ls" or ` +
        `"verify"\n${MANIFEST_USAGE}`,
    );
  }
  if (extra.length > 0) usageError(`unexpected argument "${extra[0]}"\n${MANIFEST_USAGE}`);
  const source = values.source === undefined ? undefined : manifestSourceKey(values.source);
  const config = resolveConfig({ data: values.data, kv: values.kv }, Deno.env.toObject());
  const kv = await openKv(config.kv);
  try {
    return sub === "ls"
      ? await list(kv, source, values.json ?? false)
      : await verify(kv, source, values.json ?? false);
  } finally {
    kv.close();
  }
}

async function list(kv: Deno.Kv, source: string | undefined, json: boolean): Promise<number> {
  const entries = await allManifestEntries(kv, source);
  if (json) {
    console.log(JSON.stringify({ entries }));
    return EXIT.ok;
  }
  if (entries.length === 0) {
    console.log(source ? `nothing downloaded from ${source}` : "nothing downloaded yet");
    return EXIT.ok;
  }
  console.log(renderTable(entries));
  return EXIT.ok;
}

/** The `manifest ls` table: source, path, size, sha256 and commit prefixes, when. */
function renderTable(entries: ManifestEntry[]): string {
  const rows = [
    ["SOURCE", "PATH", "SIZE", "SHA256", "COMMIT", "WHEN"],
    ...entries.map((e) => [
      e.source,
      e.path,
      formatBytes(e.size),
      e.sha256.slice(0, 12),
      e.commit ? e.commit.slice(0, 10) : "-",
      e.downloadedAt.slice(0, 16).replace("T", " "),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

async function verify(kv: Deno.Kv, source: string | undefined, json: boolean): Promise<number> {
  const results = await verifyManifest(kv, {
    source,
    onResult: json ? undefined : (r) => {
      if (r.status !== "ok") console.log(describe(r));
    },
  });
  const count = (s: VerifyResult["status"]) => results.filter((r) => r.status === s).length;
  const summary = {
    files: results.length,
    ok: count("ok"),
    missing: count("missing"),
    sizeMismatch: count("size_mismatch"),
    hashMismatch: count("hash_mismatch"),
  };
  if (json) {
    console.log(JSON.stringify({
      ...summary,
      results: results.map((r) => ({
        source: r.entry.source,
        path: r.entry.path,
        localPath: r.entry.localPath,
        status: r.status,
        expectedSize: r.entry.size,
        expectedSha256: r.entry.sha256,
        ...(r.actualSize !== undefined ? { actualSize: r.actualSize } : {}),
        ...(r.actualSha256 !== undefined ? { actualSha256: r.actualSha256 } : {}),
      })),
    }));
  } else {
    console.log(
      `${countText(summary.files, "file")}: ${summary.ok} ok, ${summary.missing} missing, ` +
        `${summary.sizeMismatch} size mismatch, ${summary.hashMismatch} hash mismatch`,
    );
  }
  if (summary.sizeMismatch + summary.hashMismatch > 0) return EXIT.checksum;
  return summary.missing > 0 ? EXIT.failed : EXIT.ok;
}

function describe(r: VerifyResult): string {
  const where = `${r.entry.localPath} (${r.entry.source} ${r.entry.path})`;
  if (r.status === "missing") return `MISSING   ${where}`;
  if (r.status === "size_mismatch") {
    return `MISMATCH  ${where}: expected ${r.entry.size} bytes, found ${r.actualSize}`;
  }
  return `MISMATCH  ${where}: expected sha256 ${r.entry.sha256}, found ${r.actualSha256}`;
}
