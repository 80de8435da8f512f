/**
 * Time-sortable ids (ULID layout: 26 Crockford base32 characters, 48 bits of milliseconds then
 * 80 random bits), so schedules and runs list in creation order from plain KV key order.
 *
 * @example
 * ```ts
 * const id = newId(Date.now()); // "01JD3Y7Q0V8K3M2N4P5R6S7T8V"
 * ```
 * @module
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * A new id for an instant `timeMs` (the caller's clock). `random` returns bytes; tests may pass
 * a seeded one.
 */
export function newId(
  timeMs: number,
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  let time = Math.max(0, Math.floor(timeMs));
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = random(new Uint8Array(16));
  let tail = "";
  for (let i = 0; i < 16; i++) tail += ALPHABET[bytes[i] & 31];
  return head + tail;
}

/** The millisecond instant encoded at the start of an id. */
export function idTime(id: string): number {
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(id[i]);
  return time;
}

/** True when `text` has the shape of an id made by {@link newId}. */
export function isId(text: string): boolean {
  return ID_PATTERN.test(text);
}
