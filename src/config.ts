/**
 * Flags + environment -> one {@link Config}; flags win over the environment, the environment
 * over defaults. The hub token itself is looked up by `resolveHfToken` (hf_env.ts).
 *
 * @example
 * ```ts
 * const config = resolveConfig({ port: "9000" }, Deno.env.toObject());
 * ```
 * @module
 */
import { join } from "node:path";
import { parseByteSize } from "./byte_size.ts";
import { parseBandwidth } from "./time/bandwidth.ts";
import { isHostPattern } from "./host_allow_list.ts";
import { NightpullError } from "./errors.ts";
import { registerSecret } from "./secrets.ts";
import { expandPath } from "./path_expand.ts";
import { cleanToken, envSeconds, isTrue } from "./hf_env.ts";

/** Default reserve kept free on the target filesystem (`--min-free`): 1 GiB. */
export const DEFAULT_MIN_FREE = 1024 ** 3;

/** Settings shared by `serve`, `pull` and the management commands. */
export interface Config {
  /** Data dir: KV file, URL downloads. */
  dataDir: string;
  /** KV location: a file path, `:memory:`, or an `http(s)://` KV Connect URL. */
  kv: string;
  host: string;
  port: number;
  /** IANA zone used when a schedule names none. */
  timezone: string;
  /** Hugging Face endpoint without trailing slash. */
  hfEndpoint: string;
  /** `$HF_HOME` (token file lives here). */
  hfHome: string;
  /** Hugging Face hub cache root (`hf-cache` layout). */
  hubCache: string;
  /** `HF_TOKEN_PATH`, else `$HF_HOME/token`: the token file huggingface_hub's login writes. */
  hfTokenPath: string;
  /** Extra place to read a hub token from, after HF_TOKEN and the token file. */
  hfTokenFile?: string;
  /** A hub token given on the command line (`pull --token`): wins over every other place. */
  hfToken?: string;
  /** `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`): use only the cache, no hub request. */
  offline: boolean;
  /** `HF_HUB_DISABLE_SYMLINKS`: snapshot files are copies of their blobs. */
  disableSymlinks: boolean;
  /** `HF_HUB_DOWNLOAD_TIMEOUT` (s → ms): a body connection silent this long is retried. */
  downloadTimeoutMs?: number;
  /** `HF_HUB_ETAG_TIMEOUT` (s → ms): limit of one hub API request (revision, listing). */
  etagTimeoutMs?: number;
  /** Default directory for URL downloads. */
  downloadsDir: string;
  /** API bearer token (NIGHTPULL_TOKEN or --token-file); undefined = no auth. */
  apiToken?: string;
  insecureNoAuth: boolean;
  historyDays: number;
  maxDownloads: number;
  /** Default connections per large file. */
  connections: number;
  logFormat: "text" | "json";
  logLevel: "debug" | "info" | "warn" | "error";
  /** Base URL of the running server for management commands. */
  server: string;
  /** Global bandwidth limit (rclone syntax, validated), undefined = unlimited. */
  bwlimit?: string;
  /** Bytes a pull leaves free on its target filesystem (`--min-free`, default 1 GiB). */
  minFree: number;
  /** Origins besides the server's own that may call the API from a browser (CORS opened). */
  allowOrigins: string[];
  /** Hosts API-created URL sources and webhooks may reach; empty = any (but link-local). */
  allowHosts: string[];
}

/** Raw option values as strings, as they come from `parseArgs` or a config file. */
export interface ConfigFlags {
  data?: string;
  kv?: string;
  host?: string;
  port?: string;
  timezone?: string;
  "hf-token-file"?: string;
  "cache-dir"?: string;
  /** A hub token (pull's `--token`). */
  token?: string;
  "token-file"?: string;
  "insecure-no-auth"?: boolean;
  "history-days"?: string;
  "max-downloads"?: string;
  connections?: string;
  "log-format"?: string;
  "log-level"?: string;
  server?: string;
  bwlimit?: string;
  "min-free"?: string;
  /** Comma-separated origins (`--allow-origin`, repeatable on the command line). */
  "allow-origin"?: string;
  /** Comma-separated host names, `*.` wildcards and CIDRs (`--allow-hosts`). */
  "allow-hosts"?: string;
}

/** Default number of connections for one large file. */
export const DEFAULT_CONNECTIONS = 8;

/** The process's own IANA time zone. */
export function systemTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** True when `tz` is an IANA zone name this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new NightpullError(
      "usage",
      `invalid --${name} "${raw}": expected a whole number from 1 to ${max}`,
    );
  }
  return Number(raw);
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: T[], fb: T): T {
  if (raw === undefined || raw === "") return fb;
  if (!(allowed as string[]).includes(raw)) {
    throw new NightpullError(
      "usage",
      `invalid --${name} "${raw}": expected one of ${allowed.join(", ")}`,
    );
  }
  return raw as T;
}

function validBwlimit(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "" || raw.trim().toLowerCase() === "off") return undefined;
  try {
    return parseBandwidth(raw).text;
  } catch (err) {
    throw new NightpullError("usage", `invalid --bwlimit: ${(err as Error).message}`);
  }
}

function minFree(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_MIN_FREE;
  return parseByteSize(raw, "--min-free");
}

function commaList(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** `--allow-origin` values as origins (`http://ui.example:3000`), refusing anything else. */
function validOrigins(raw: string | undefined): string[] {
  return commaList(raw).map((value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, "")) {
      throw new NightpullError(
        "usage",
        `invalid --allow-origin "${value}": expected an origin such as ` +
          '"http://localhost:3000" (scheme, host and optional port; no path)',
      );
    }
    return url.origin;
  });
}

/** `--allow-hosts` entries: host names, `*.example.com` wildcards, IPs and CIDRs. */
function validAllowHosts(raw: string | undefined): string[] {
  return commaList(raw).map((value) => {
    const entry = value.toLowerCase();
    if (!isHostPattern(entry)) {
      throw new NightpullError(
        "usage",
        `invalid --allow-hosts entry "${value}": expected a host name ("hf.example.com"), a ` +
          'wildcard ("*.example.com"), an address ("10.0.0.5", "::1") or a CIDR ("10.0.0.0/8")',
      );
    }
    return entry;
  });
}

/** A trimmed API token; an empty or whitespace-only one is refused (it would lock all out). */
function apiTokenValue(raw: string, from: string): string {
  const token = raw.trim();
  if (!token) {
    throw new NightpullError(
      "usage",
      `${from} is empty or only whitespace: set a token of visible characters, or unset it ` +
        "to run without one (loopback only)",
    );
  }
  return token;
}

/**
 * Builds the Config from flags and an environment map. Throws `usage` naming the bad value.
 * The API token file is read here because a token given by file is part of the config.
 */
export function resolveConfig(
  flags: ConfigFlags,
  env: Record<string, string | undefined>,
): Config {
  const home = env.HOME ?? env.USERPROFILE ?? ".";
  const path = (value: string) => expandPath(value, env);
  const dataDir = path(
    flags.data ?? env.NIGHTPULL_DATA ??
      join(env.XDG_DATA_HOME ?? join(home, ".local", "share"), "nightpull"),
  );
  // Precedence and expansion as huggingface_hub's constants.py: HF_HUB_CACHE, then the legacy
  // HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub; each expanded (~, $VAR).
  const hfHome = path(
    env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(home, ".cache"), "huggingface"),
  );
  const hubCache = path(
    flags["cache-dir"] ?? env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome, "hub"),
  );
  const timezone = flags.timezone ?? env.NIGHTPULL_TIMEZONE ?? systemTimezone();
  if (!isValidTimezone(timezone)) {
    throw new NightpullError(
      "invalid_timezone",
      `unknown timezone "${timezone}": expected an IANA zone such as "Europe/Berlin" or "UTC"`,
    );
  }
  let apiToken = env.NIGHTPULL_TOKEN === undefined || env.NIGHTPULL_TOKEN === ""
    ? undefined
    : apiTokenValue(env.NIGHTPULL_TOKEN, "NIGHTPULL_TOKEN");
  const tokenFile = optionalPath(flags["token-file"] ?? env.NIGHTPULL_TOKEN_FILE, env);
  if (tokenFile) {
    let text: string;
    try {
      text = Deno.readTextFileSync(tokenFile);
    } catch (err) {
      throw new NightpullError(
        "usage",
        `cannot read --token-file "${tokenFile}": ${(err as Error).message}`,
      );
    }
    apiToken = apiTokenValue(text, `--token-file "${tokenFile}"`);
  }
  registerSecret(apiToken);
  const port = flags.port ?? env.NIGHTPULL_PORT;
  return {
    dataDir,
    kv: kvLocation(flags.kv ?? env.NIGHTPULL_KV, dataDir, env),
    host: flags.host ?? env.NIGHTPULL_HOST ?? "127.0.0.1",
    port: port === "0" ? 0 : positiveInt("port", port, 8080, 65535),
    timezone,
    hfEndpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    hfHome,
    hubCache,
    hfTokenPath: path(env.HF_TOKEN_PATH ?? join(hfHome, "token")),
    hfTokenFile: optionalPath(flags["hf-token-file"], env),
    ...(flags.token ? { hfToken: cleanToken(flags.token) } : {}),
    // huggingface_hub reads `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`: an empty first falls through
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
    disableSymlinks: isTrue(env.HF_HUB_DISABLE_SYMLINKS),
    downloadTimeoutMs: envSeconds("HF_HUB_DOWNLOAD_TIMEOUT", env.HF_HUB_DOWNLOAD_TIMEOUT),
    etagTimeoutMs: envSeconds("HF_HUB_ETAG_TIMEOUT", env.HF_HUB_ETAG_TIMEOUT),
    downloadsDir: join(dataDir, "downloads"),
    apiToken,
    insecureNoAuth: flags["insecure-no-auth"] ?? env.NIGHTPULL_INSECURE_NO_AUTH === "1",
    historyDays: positiveInt(
      "history-days",
      flags["history-days"] ?? env.NIGHTPULL_HISTORY_DAYS,
      30,
      3650,
    ),
    maxDownloads: positiveInt(
      "max-downloads",
      flags["max-downloads"] ?? env.NIGHTPULL_MAX_DOWNLOADS,
      4,
      64,
    ),
    connections: positiveInt(
      "connections",
      flags.connections ?? env.NIGHTPULL_CONNECTIONS,
      DEFAULT_CONNECTIONS,
      32,
    ),
    logFormat: oneOf(
      "log-format",
      flags["log-format"] ?? env.NIGHTPULL_LOG_FORMAT,
      ["text", "json"],
      "text",
    ),
    logLevel: oneOf(
      "log-level",
      flags["log-level"] ?? env.NIGHTPULL_LOG_LEVEL,
      ["debug", "info", "warn", "error"],
      "info",
    ),
    server: (flags.server ?? env.NIGHTPULL_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, ""),
    bwlimit: validBwlimit(flags.bwlimit ?? env.NIGHTPULL_BWLIMIT),
    minFree: minFree(flags["min-free"] ?? env.NIGHTPULL_MIN_FREE),
    allowOrigins: validOrigins(flags["allow-origin"] ?? env.NIGHTPULL_ALLOW_ORIGIN),
    allowHosts: validAllowHosts(flags["allow-hosts"] ?? env.NIGHTPULL_ALLOW_HOSTS),
  };
}

function optionalPath(
  raw: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  return raw ? expandPath(raw, env) : raw;
}

/** `:memory:` and KV Connect URLs are not paths; anything else is expanded like one. */
function kvLocation(
  raw: string | undefined,
  dataDir: string,
  env: Record<string, string | undefined>,
): string {
  if (raw === undefined) return join(dataDir, "nightpull.kv");
  return raw === ":memory:" || /^https?:\/\//i.test(raw) ? raw : expandPath(raw, env);
}
