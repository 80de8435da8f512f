/**
 * What every CLI command module shares: the {@link Command} shape and {@link usageError}. Kept
 * apart from `main.ts` so command modules never import the dispatcher that loads them.
 *
 * @example
 * ```ts
 * const hello: Command = (args) => Promise.resolve(args.length ? 0 : usageError("give a name"));
 * ```
 * @module
 */
import { NightpullError } from "../errors.ts";

/** A command: takes its own arguments, returns an exit code. */
export type Command = (args: string[]) => Promise<number>;

/** Throws a usage error; handy inside commands. */
export function usageError(message: string): never {
  throw new NightpullError("usage", message);
}
