/**
 * Time-sortable ids (ULID layout: 26 Crockford base32 characters, 48 bits of milliseconds then
 * 80 random bits), so schedules and runs list in creation order from plain KV key order.
 *
 * @example
 * ```ts
 * const id = newId(Date.now()); // e.g. "01KJM8ZY00A1B2C3D4E5F6G7H8"
 * ```
 * @module
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ULID_TEXT = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
let lastTail: number[] = [];

/**
 * A new id for an instant `timeMs` (the caller's clock). Ids made in one process for the same
 * or an earlier millisecond continue from the previous one (random part + 1), so they still
 * sort in creation order.
 */
export function newId(timeMs: number): string {
  let time = Math.max(0, Math.floor(timeMs));
  if (time <= lastTime && lastTail.length) {
    time = lastTime;
    let i = 15;
    while (i >= 0 && lastTail[i] === 31) lastTail[i--] = 0;
    if (i >= 0) lastTail[i]++;
  } else {
    lastTail = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b & 31);
    // leave headroom so increments within one millisecond never wrap
    lastTail[0] &= 15;
    lastTime = time;
  }
  return idTimePrefix(time) + lastTail.map((v) => ALPHABET[v]).join("");
}

/** The 10 characters that encode `timeMs` at the start of an id: ids made at or after it sort at or after it. */
export function idTimePrefix(timeMs: number): string {
  let time = Math.max(0, Math.floor(timeMs));
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  return head;
}

/** The millisecond instant encoded at the start of an id. */
export function idTime(id: string): number {
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(id[i]);
  return time;
}

/** True when `text` has the shape of an id made by {@link newId}. */
export function isId(text: string): boolean {
  return ULID_TEXT.test(text);
}
