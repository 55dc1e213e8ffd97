/**
 * `RedisCacheStore`: sessions under `config.session_store :cache_store` with
 * `config.cache_store = :redis_cache_store, { url:, namespace:, expires_in:, compress:, … }`
 * (activesupport/lib/active_support/cache/redis_cache_store.rb): the entry is written with
 * `SET key value PX <ms>` (`(1000 * expires_in.to_f).ceil`) or a plain `SET`, read with `GET`,
 * deleted with `DEL`. Keys and entries: src/stores/cacheSession.ts and src/cache/coder.ts.
 */
import type { RailsCookieError } from "../errors.js";
import { CacheSessionCodec, type CacheStoreOptions } from "./cacheSession.js";
import { globEscape, RedisCommands, type RedisClientLike } from "./redisClient.js";
import { bytesEqual, expiresAtFromPttl, listRedisEntries } from "./redisListing.js";
import type { FoundSession, ListSessionsOptions, ServerSessionStore, SessionId, StoredSessionInfo, WriteSessionOptions } from "./types.js";

export interface RedisCacheStoreOptions extends CacheStoreOptions {
  /** A connected node-redis or ioredis client. */
  client: RedisClientLike;
}

export class RedisCacheStore implements ServerSessionStore {
  readonly name = "RedisCacheStore";
  readonly codec: CacheSessionCodec;
  readonly defaultExpireAfter: number | null;
  readonly #redis: RedisCommands;

  constructor(options: RedisCacheStoreOptions) {
    this.codec = new CacheSessionCodec(options);
    this.defaultExpireAfter = this.codec.expiresIn;
    this.#redis = new RedisCommands(options.client, options.timeout);
  }

  keyFor(id: string): string {
    return this.codec.keyFor(id);
  }

  async findSession(sid: SessionId, options: { now?: Date } = {}): Promise<FoundSession | null> {
    // `get_session_with_fallback`: the private id, then the public one (sessions from before Rack 2.0.9).
    for (const [id, legacy] of [[sid.privateId, false], [sid.publicId, true]] as const) {
      const bytes = await this.#redis.get(this.keyFor(id));
      if (bytes === null) continue;
      const read = this.codec.read(bytes, options.now);
      if (read === null) continue;
      return { data: read.data, payload: bytes, legacy };
    }
    return null;
  }

  async writeSession(sid: SessionId, data: Record<string, unknown>, options: WriteSessionOptions): Promise<void> {
    // Rails rewrites every session it read; an entry nobody changed stays as it is, bytes and TTL.
    if (options.unchangedPayload && options.untouched) return;
    const bytes = this.codec.write(data, options.expireAfter, options.now);
    if (options.unchangedPayload && bytesEqual(bytes, options.unchangedPayload)) return;
    const px = options.expireAfter === null ? null : Math.ceil(1000 * options.expireAfter);
    await this.#redis.set(this.keyFor(sid.privateId), bytes, px);
  }

  async deleteSession(sid: SessionId): Promise<void> {
    await this.#redis.del([this.keyFor(sid.privateId), this.keyFor(sid.publicId)]);
  }

  listSessions(options: ListSessionsOptions = {}): AsyncIterable<StoredSessionInfo> {
    const prefix = this.codec.keyPrefix;
    return listRedisEntries(this.#redis, `${globEscape(prefix)}*`, options, prefix.length, (key, bytes, pttl) => {
      const ttlExpiry = expiresAtFromPttl(pttl, options.now);
      try {
        const read = this.codec.read(bytes, undefined)!;
        return { storeKey: key, data: read.data, expiresAt: read.expiresAt ?? ttlExpiry, updatedAt: null };
      } catch (error) {
        return { storeKey: key, data: null, error: error as RailsCookieError, expiresAt: ttlExpiry, updatedAt: null };
      }
    });
  }

  async deleteStoredSession(storeKey: string): Promise<boolean> {
    return (await this.#redis.del([storeKey])) > 0;
  }
}
