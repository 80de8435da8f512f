/**
 * Opaque pagination cursors: the last id of a page, base64url-encoded. A cursor that does not
 * decode to an id is refused with `invalid_cursor` rather than silently restarting the list.
 * @module
 */
import { NightpullError } from "../errors.ts";
import { isId } from "./ids.ts";

/** One page of a listing. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Default and maximum page sizes. */
export const PAGE_DEFAULT = 20;
/** Largest page a caller may ask for. */
export const PAGE_MAX = 200;

/** The cursor that continues after `id`. */
export function encodeCursor(id: string): string {
  return btoa(id).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The id a cursor continues after; throws `invalid_cursor` for anything else. */
export function decodeCursor(cursor: string): string {
  let id = "";
  try {
    id = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    // fall through to the error below
  }
  if (!isId(id)) {
    throw new NightpullError(
      "invalid_cursor",
      `invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of a previous page`,
      { field: "cursor" },
    );
  }
  return id;
}

/** Checks a page size: 1..PAGE_MAX, default PAGE_DEFAULT. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    throw new NightpullError(
      "invalid_input",
      `invalid limit ${limit}: expected a whole number from 1 to ${PAGE_MAX}`,
      { field: "limit" },
    );
  }
  return limit;
}
