/**
 * `~` and `$VAR` / `${VAR}` in path settings, as Python's `os.path.expanduser(expandvars(…))`
 * does for huggingface_hub's `HF_HOME`, `HF_HUB_CACHE` and `HF_TOKEN_PATH`: a systemd unit's
 * `HF_HOME=~/x` (systemd expands neither) means `$HOME/x`, not a folder named `~` in the
 * working directory. Pure: the environment is passed in.
 *
 * @example
 * ```ts
 * expandPath("~/hf/${USER}", { HOME: "/home/me", USER: "me" }); // "/home/me/hf/me"
 * ```
 * @module
 */

/**
 * Expands `$NAME` and `${NAME}` (NAME of letters, digits, `_`; unset names stay as written, as in
 * Python), then a leading `~` or `~/` to `$HOME` (else `$USERPROFILE`). `~user` stays as written.
 */
export function expandPath(path: string, env: Record<string, string | undefined>): string {
  const vars = path.replace(
    /\$(?:\{(\w+)\}|(\w+))/g,
    (whole, braced: string | undefined, bare: string | undefined) =>
      env[(braced ?? bare)!] ?? whole,
  );
  if (vars !== "~" && !vars.startsWith("~/")) return vars;
  const home = env.HOME || env.USERPROFILE;
  return home ? (home.replace(/\/+$/, "") + vars.slice(1)) || "/" : vars;
}
