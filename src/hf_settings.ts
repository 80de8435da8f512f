/**
 * The Hugging Face environment as huggingface_hub reads it, as rows of the settings table
 * (`settings.ts`): `HF_HOME`, the token file, offline mode, symlinks, timeouts and the endpoint.
 * The hub cache (`--cache-dir`) is in the main table, since nightpull gives it a flag.
 *
 * @example
 * ```ts
 * HF_SETTINGS.offline.env; // ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"]
 * ```
 * @module
 */
import { join } from "node:path";
import { envSeconds, isTrue } from "./hf_env.ts";
import type { RawValue, Setting, SettingContext } from "./setting.ts";

const text = (raw: RawValue | undefined, fallback: string) =>
  raw === undefined ? fallback : String(raw);
const flagText = (raw: RawValue | undefined) => raw === undefined ? undefined : String(raw);
const home = (env: Record<string, string | undefined>) => env.HOME ?? env.USERPROFILE ?? ".";
const optionalPath = (raw: RawValue | undefined, ctx: SettingContext) =>
  raw === undefined || raw === "" ? undefined : ctx.path(String(raw));

/** huggingface_hub's settings, in the README's order. */
export const HF_SETTINGS = {
  hfHome: {
    doc: "HF home",
    env: ["HF_HOME"],
    defaultDoc: "`$XDG_CACHE_HOME/huggingface` (`~/.cache/huggingface`)",
    read: (raw, ctx) =>
      ctx.path(text(
        raw,
        join(ctx.env.XDG_CACHE_HOME ?? join(home(ctx.env), ".cache"), "huggingface"),
      )),
  },
  hfTokenFile: {
    doc: "hub token",
    flag: "hf-token-file",
    arg: "FILE",
    // HF_TOKEN itself is read where the token is used (resolveHfToken), never stored here
    envDoc: "`HF_TOKEN` (the token), else `HUGGING_FACE_HUB_TOKEN`",
    file: "hfTokenFile",
    fileType: "string",
    defaultDoc: "none",
    read: optionalPath,
  },
  hfTokenPath: {
    doc: "hub token file",
    env: ["HF_TOKEN_PATH"],
    defaultDoc: "`$HF_HOME/token`",
    read: (raw, ctx) => ctx.path(text(raw, join(ctx.hfHome(), "token"))),
  },
  offline: {
    doc: "offline: use only what is on disk",
    env: ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"],
    envDoc: "`HF_HUB_OFFLINE=1` (or `TRANSFORMERS_OFFLINE=1`)",
    defaultDoc: "off",
    read: (raw) => isTrue(flagText(raw)),
  },
  disableSymlinks: {
    doc: "snapshot files are copies, not links",
    env: ["HF_HUB_DISABLE_SYMLINKS"],
    envDoc: "`HF_HUB_DISABLE_SYMLINKS=1`",
    defaultDoc: "links where the file system allows",
    read: (raw) => isTrue(flagText(raw)),
  },
  etagTimeoutMs: {
    doc: "hub API request timeout (s)",
    env: ["HF_HUB_ETAG_TIMEOUT"],
    defaultDoc: "`60`",
    read: (raw) => envSeconds("HF_HUB_ETAG_TIMEOUT", flagText(raw)),
  },
  downloadTimeoutMs: {
    doc: "file body silence before a retry (s)",
    env: ["HF_HUB_DOWNLOAD_TIMEOUT"],
    defaultDoc: "`30`",
    read: (raw) => envSeconds("HF_HUB_DOWNLOAD_TIMEOUT", flagText(raw)),
  },
  hfEndpoint: {
    doc: "hub endpoint",
    env: ["HF_ENDPOINT"],
    defaultDoc: "`https://huggingface.co`",
    read: (raw) => text(raw, "https://huggingface.co").replace(/\/+$/, ""),
  },
} as const satisfies Record<string, Setting<unknown>>;
