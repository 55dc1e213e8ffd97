/**
 * What RedisCacheStore and MemCacheStore share: Rails' `ActionDispatch::Session::CacheStore`
 * (actionpack/lib/action_dispatch/middleware/session/cache_store.rb) over an `ActiveSupport::Cache`
 * store. Keys are `"#{namespace}:_session_id:#{id}"` (`cache_key`, and the cache's `namespace_key`);
 * values are cache entries (src/cache/coder.ts) holding the session Hash; an entry past its
 * `expires_at` is a miss (`Entry#expired?`), as in `Cache::Store#read`.
 */
import { dumpCacheEntry, loadCacheEntry, resolveCacheCoder, type CacheCoderOptions, type ResolvedCacheCoder } from "../cache/coder.js";
import { InvalidOptionError, SessionEntryError } from "../errors.js";
import { stringifyKeys } from "../session/store.js";

export interface CacheStoreOptions extends CacheCoderOptions {
  /** The cache's `namespace:` (none by default). */
  namespace?: string;
  /** The cache's `expires_in:` seconds: CacheStore's `expire_after` when none is given (`options[:expire_after] ||= @cache.options[:expires_in]`). */
  expiresIn?: number | null;
  /** Seconds each server call may take (default 1, Rails' read/write timeout). */
  timeout?: number;
}

export class CacheSessionCodec {
  readonly coder: ResolvedCacheCoder;
  /** `"#{namespace}:_session_id:"`, what every session key starts with. */
  readonly keyPrefix: string;
  readonly expiresIn: number | null;

  constructor(options: CacheStoreOptions) {
    this.coder = resolveCacheCoder(options);
    const namespace = options.namespace ?? null;
    if (namespace !== null && (typeof namespace !== "string" || namespace === "")) throw new InvalidOptionError("namespace must be a non-empty string");
    this.keyPrefix = `${namespace === null ? "" : `${namespace}:`}_session_id:`;
    this.expiresIn = options.expiresIn ?? null;
    if (this.expiresIn !== null && !(this.expiresIn > 0)) throw new InvalidOptionError("expiresIn must be a positive number of seconds");
  }

  keyFor(id: string): string {
    return this.keyPrefix + id;
  }

  /** The session Hash in an entry, with its expiry; null when the entry expired at `now`. Throws `SessionEntryError`. */
  read(entryBytes: Uint8Array, now: Date | undefined): { data: Record<string, unknown>; expiresAt: Date | null } | null {
    const entry = loadCacheEntry(this.coder, entryBytes);
    const expiresAt = entry.expiresAt === null ? null : new Date(entry.expiresAt * 1000);
    if (now !== undefined && entry.expiresAt !== null && entry.expiresAt <= now.getTime() / 1000) return null;
    try {
      return { data: stringifyKeys(entry.value), expiresAt };
    } catch (error) {
      throw new SessionEntryError("the cache entry under the session key does not hold a session Hash", { cause: error });
    }
  }

  write(data: Record<string, unknown>, expireAfter: number | null, now: Date): Uint8Array {
    return dumpCacheEntry(this.coder, data, { now: now.getTime() / 1000, expiresIn: expireAfter });
  }
}
