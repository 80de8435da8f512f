/**
 * A micro-cache of `GET /schedules/{id}` bodies. A detail costs several KV reads and five
 * cron evaluations, and dashboards poll it; caching the serialized body for a quarter second
 * makes repeated reads nearly free while bounding staleness. Writes made through this API and
 * run changes reported by the local engine drop the entry at once; a body is also never kept
 * past its first next run or window transition, so `nextRuns` and `window` never go stale.
 * Changes made by other processes sharing the KV show within the TTL.
 *
 * @example
 * ```ts
 * const cache = new DetailCache((id) => service.get(id));
 * const bytes = await cache.get(id); // UTF-8 JSON
 * cache.invalidate(id); // after a write
 * ```
 * @module
 */
import type { ScheduleDetail } from "../schedule/service/service.ts";

const ENCODER = new TextEncoder();

/** Longest time a cached detail is served, in ms. */
const DETAIL_TTL_MS = 250;

interface Entry {
  json: Uint8Array<ArrayBuffer>;
  /** The same JSON as text: a Response built from a string costs Deno less than from bytes. */
  text: string;
  until: number;
}

/** Options of {@link DetailCache}. */
interface DetailCacheOptions {
  ttlMs?: number;
  /** Entries kept at most; the oldest is dropped first. */
  maxEntries?: number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

/** Serialized schedule details by id; see the module doc. */
export class DetailCache {
  readonly #load: (id: string) => Promise<ScheduleDetail>;
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Loads in flight, shared by concurrent misses of the same generation. */
  readonly #loading = new Map<
    string,
    { generation: number; json: Promise<Uint8Array<ArrayBuffer>> }
  >();
  /** Bumped by every invalidation, so a load that raced a write is neither stored nor shared. */
  #generation = 0;

  /** `load` reads a detail already masked for display. */
  constructor(load: (id: string) => Promise<ScheduleDetail>, options: DetailCacheOptions = {}) {
    this.#load = load;
    this.#ttl = options.ttlMs ?? DETAIL_TTL_MS;
    this.#max = options.maxEntries ?? 1024;
    this.#now = options.now ?? Date.now;
  }

  /** The detail of `id` as UTF-8 JSON; errors of the load (e.g. `not_found`) pass through. */
  get(id: string): Promise<Uint8Array<ArrayBuffer>> {
    const hit = this.#fresh(id);
    if (hit) return Promise.resolve(hit.json);
    const pending = this.#loading.get(id);
    if (pending && pending.generation === this.#generation) return pending.json;
    const generation = this.#generation;
    const json = this.#fill(id, generation).finally(() => {
      if (this.#loading.get(id)?.json === json) this.#loading.delete(id);
    });
    this.#loading.set(id, { generation, json });
    return json;
  }

  /** The cached detail of `id` as JSON text while it is fresh, without loading it; else undefined. */
  cachedText(id: string): string | undefined {
    return this.#fresh(id)?.text;
  }

  #fresh(id: string): Entry | undefined {
    const hit = this.#entries.get(id);
    return hit && hit.until > this.#now() ? hit : undefined;
  }

  async #fill(id: string, generation: number): Promise<Uint8Array<ArrayBuffer>> {
    const started = this.#now();
    const detail = await this.#load(id);
    // kept serialized (and encoded): a hit then costs no serialization and no encoding
    const text = JSON.stringify(detail);
    const json = ENCODER.encode(text);
    if (generation === this.#generation && this.#ttl > 0) {
      this.#entries.delete(id);
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(id, { json, text, until: expiry(detail, started + this.#ttl) });
    }
    return json;
  }

  /** Drops `id` (or everything) after a change. */
  invalidate(id?: string): void {
    this.#generation++;
    if (id === undefined) this.#entries.clear();
    else this.#entries.delete(id);
  }

  /** Number of cached details. */
  get size(): number {
    return this.#entries.size;
  }
}

/** The earlier of `limit` and the detail's next time-dependent change. */
function expiry(detail: ScheduleDetail, limit: number): number {
  let until = limit;
  const moments = [detail.nextRuns[0], detail.window?.nextOpen, detail.window?.nextClose];
  for (const iso of moments) {
    if (!iso) continue;
    const at = Date.parse(iso);
    if (at < until) until = at;
  }
  return until;
}
