/**
 * `RedisSessionStore`: the `redis-session-store` gem (0.11, roidrage/redis-session-store
 * lib/redis-session-store.rb), `config.session_store :redis_session_store, key:, redis: { url:,
 * key_prefix:, expire_after: }, serializer:`.
 *
 * What the gem does, and so this store:
 * - the key is `key_prefix + private_id` (`"2::" + sha256(public id)`), falling back to
 *   `key_prefix + public_id` for sessions written before the gem used private ids;
 * - the value is the session Hash in the gem's serializer: `:marshal` (default, `Marshal.dump`),
 *   `:json` (`JSON.generate`: no HTML escaping, unlike the cookie jar's `ActiveSupport::JSON`),
 *   `:hybrid` (writes JSON, reads Marshal too);
 * - `SETEX key expire_after value` with an expiry, else `SET key value`;
 * - `delete_session` deletes both ids. An entry that does not decode is deleted on load
 *   (`load_session_from_redis` rescues, `destroy_session_from_sid`, then `on_session_load_error`).
 */
import { SessionEntryError, InvalidOptionError, RailsCookieError } from "../errors.js";
import { dump as marshalDump, load as marshalLoad } from "../marshal/index.js";
import { decodeJson, encodeJson } from "../serializers/json.js";
import { stringifyKeys } from "../session/store.js";
import { globEscape, RedisCommands, type RedisClientLike } from "./redisClient.js";
import type {
  FoundSession,
  ListSessionsOptions,
  ServerSessionStore,
  SessionId,
  StoredSessionInfo,
  WriteSessionOptions,
} from "./types.js";
import { bytesEqual, expiresAtFromPttl, listRedisEntries } from "./redisListing.js";

export type RedisSessionStoreSerializer = "marshal" | "json" | "hybrid";

export interface RedisSessionStoreOptions {
  /** A connected node-redis or ioredis client. */
  client: RedisClientLike;
  /** `redis: { key_prefix: }`; the gem's default is none (`""`). */
  keyPrefix?: string;
  /** `serializer:`; the gem's default is `"marshal"`. */
  serializer?: RedisSessionStoreSerializer;
  /** `redis: { expire_after: }`, seconds: the session's expiry when the core is given none. */
  expireAfter?: number | null;
  /** Seconds each Redis command may take (default 1, Rails' read/write timeout). */
  timeout?: number;
}

const MARSHAL_SIGNATURE = [0x04, 0x08];

export class RedisSessionStore implements ServerSessionStore {
  readonly name = "RedisSessionStore";
  readonly keyPrefix: string;
  readonly serializer: RedisSessionStoreSerializer;
  readonly defaultExpireAfter: number | null;
  readonly #redis: RedisCommands;

  constructor(options: RedisSessionStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? "";
    this.serializer = options.serializer ?? "marshal";
    if (!["marshal", "json", "hybrid"].includes(this.serializer)) throw new InvalidOptionError("serializer must be marshal, json or hybrid");
    this.defaultExpireAfter = options.expireAfter ?? null;
    this.#redis = new RedisCommands(options.client, options.timeout);
  }

  /** The Redis key of a session id (public or private). */
  keyFor(id: string): string {
    return `${this.keyPrefix}${id}`;
  }

  /** `decode`: the stored bytes as the session Hash. Throws `SessionEntryError`. */
  decode(bytes: Uint8Array): Record<string, unknown> {
    try {
      const marshal = bytes[0] === MARSHAL_SIGNATURE[0] && bytes[1] === MARSHAL_SIGNATURE[1];
      if (this.serializer === "marshal" || (this.serializer === "hybrid" && marshal)) return stringifyKeys(marshalLoad(bytes));
      return stringifyKeys(decodeJson(new TextDecoder("utf-8", { fatal: true }).decode(bytes)));
    } catch (error) {
      throw new SessionEntryError(`not a ${this.serializer} session of redis-session-store`, { cause: error });
    }
  }

  /** `encode`: the session Hash in the gem's serializer. */
  encode(data: Record<string, unknown>): Uint8Array {
    if (this.serializer === "marshal") return marshalDump(data);
    return new TextEncoder().encode(generateJson(data));
  }

  async findSession(sid: SessionId): Promise<FoundSession | null> {
    for (const [id, legacy] of [[sid.privateId, false], [sid.publicId, true]] as const) {
      const key = this.keyFor(id);
      const bytes = await this.#redis.get(key);
      if (bytes === null) continue;
      try {
        return { data: this.decode(bytes), payload: bytes, legacy };
      } catch (error) {
        // The gem deletes what it cannot read, so the bad entry does not come back on every request.
        await this.#redis.del([key]);
        throw error;
      }
    }
    return null;
  }

  async writeSession(sid: SessionId, data: Record<string, unknown>, options: WriteSessionOptions): Promise<void> {
    // The gem rewrites every session it read; an entry nobody changed stays as it is.
    if (options.unchangedPayload && options.untouched) return;
    const bytes = this.encode(data);
    if (options.unchangedPayload && bytesEqual(bytes, options.unchangedPayload)) return;
    const key = this.keyFor(sid.privateId);
    // `get_expiry`: the gem passes the Integer through to SETEX (whole seconds).
    if (options.expireAfter !== null) await this.#redis.setex(key, Math.ceil(options.expireAfter), bytes);
    else await this.#redis.set(key, bytes, null);
  }

  async deleteSession(sid: SessionId): Promise<void> {
    await this.#redis.del([this.keyFor(sid.publicId), this.keyFor(sid.privateId)]);
  }

  listSessions(options: ListSessionsOptions = {}): AsyncIterable<StoredSessionInfo> {
    return listRedisEntries(this.#redis, `${globEscape(this.keyPrefix)}*`, options, this.keyPrefix.length, (key, bytes, pttl) => {
      const expiresAt = expiresAtFromPttl(pttl, options.now);
      try {
        return { storeKey: key, data: this.decode(bytes), expiresAt, updatedAt: null };
      } catch (error) {
        return { storeKey: key, data: null, error: error as RailsCookieError, expiresAt, updatedAt: null };
      }
    });
  }

  async deleteStoredSession(storeKey: string): Promise<boolean> {
    return (await this.#redis.del([storeKey])) > 0;
  }
}

/**
 * Ruby's `JSON.generate` (the gem's `JsonSerializer`): the cookie jar's `ActiveSupport::JSON`
 * output without its HTML-entity escapes (`\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`).
 * An escaped backslash is skipped as a pair, so a string that holds the text `\u003c` stays as is.
 */
export function generateJson(value: unknown): string {
  return encodeJson(value).replace(/\\\\|\\u(003c|003e|0026|2028|2029)/g, (match, hex: string | undefined) =>
    hex === undefined ? match : String.fromCharCode(parseInt(hex, 16)),
  );
}
