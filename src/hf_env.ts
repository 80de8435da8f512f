/**
 * The Hugging Face environment as huggingface_hub 1.x reads it: the hub token's places in order,
 * `_clean_token`, `_is_true` flags (`HF_HUB_OFFLINE`, `HF_HUB_DISABLE_SYMLINKS`) and whole-second
 * timeouts (`HF_HUB_DOWNLOAD_TIMEOUT`, `HF_HUB_ETAG_TIMEOUT`).
 *
 * @example
 * ```ts
 * const token = resolveHfToken(config, Deno.env.toObject());
 * ```
 * @module
 */
import { NightpullError } from "./errors.ts";
import { registerSecret } from "./secrets.ts";

/** Where a hub token may come from (the Config fields). */
interface HfTokenPlaces {
  /** `HF_TOKEN_PATH`, else `$HF_HOME/token`. */
  hfTokenPath: string;
  /** `--hf-token-file`. */
  hfTokenFile?: string;
  /** `pull --token`. */
  hfToken?: string;
}

/**
 * The hub token as huggingface_hub finds it: `--token`, else `HF_TOKEN` (or the older
 * `HUGGING_FACE_HUB_TOKEN`), else the token file (`HF_TOKEN_PATH`, else `$HF_HOME/token`), else
 * `--hf-token-file`. Undefined when none is set.
 */
export function resolveHfToken(
  config: HfTokenPlaces,
  env: Record<string, string | undefined>,
): string | undefined {
  const token = findHfToken(config, env);
  // whoever holds the token, every message is scrubbed of it from now on
  registerSecret(token);
  return token;
}

function findHfToken(
  config: HfTokenPlaces,
  env: Record<string, string | undefined>,
): string | undefined {
  if (config.hfToken) return config.hfToken;
  const fromEnv = cleanToken(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return fromEnv;
  for (const file of [config.hfTokenPath, config.hfTokenFile]) {
    if (!file) continue;
    try {
      const token = cleanToken(Deno.readTextFileSync(file));
      if (token) return token;
    } catch {
      // absent token file: try the next place
    }
  }
  return undefined;
}

/** huggingface_hub's `_clean_token`: no CR/LF anywhere, no outer spaces; empty is none. */
export function cleanToken(raw: string | undefined): string | undefined {
  return raw?.replace(/[\r\n]/g, "").trim() || undefined;
}

/** huggingface_hub's `_is_true`: 1, ON, YES, TRUE in any case. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.toUpperCase());
}

/** A whole number of seconds from the environment, as ms; unset or 0 means the default. */
export function envSeconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 86_400) {
    throw new NightpullError(
      "invalid_config",
      `invalid ${name} "${raw}": expected a whole number of seconds from 1 to 86400`,
      { field: name },
    );
  }
  return Number(raw) === 0 ? undefined : Number(raw) * 1000;
}
