/**
 * Commands made of subcommands (`schedule ls`, `window set`, `run watch`): one dispatcher, so
 * help and the usage error for an unknown or missing subcommand read the same everywhere.
 *
 * @example
 * ```ts
 * export const windowCommand = withSubcommands({ set, clear }, WINDOW_USAGE, () => help());
 * ```
 * @module
 */
import { EXIT, NightpullError } from "../errors.ts";
import type { Command } from "./command.ts";

/**
 * A command that runs `subcommands[args[0]]` with the rest; `help`/`--help`/`-h` calls `help`
 * (default: print `usageText`); anything else is a usage error listing the subcommands.
 */
export function withSubcommands(
  subcommands: Record<string, Command>,
  usageText: string,
  help: () => number = () => (console.log(usageText), EXIT.ok),
): Command {
  return async (args) => {
    const [sub, ...rest] = args;
    if (sub === "help" || sub === "--help" || sub === "-h") return help();
    const command = sub ? subcommands[sub] : undefined;
    if (!command) {
      const why = sub ? `unknown subcommand "${sub}"` : "give a subcommand";
      throw new NightpullError(
        "usage",
        `${why}; expected one of ${Object.keys(subcommands).join(", ")}\n${usageText}`,
      );
    }
    return await command(rest);
  };
}
