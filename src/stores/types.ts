/**
 * The contract between the session core (src/session/) and a server-side session store
 * (RedisCacheStore, MemCacheStore, RedisSessionStore, ActiveRecordStore).
 *
 * It mirrors Rack's `Rack::Session::Abstract::Persisted` as Rails' stores implement it
 * (rack lib/rack/session/abstract/id.rb; actionpack lib/action_dispatch/middleware/session/
 * cache_store.rb; activerecord-session_store lib/action_dispatch/session/active_record_store.rb):
 * the cookie carries only the public session id; the store keys the data by the private id
 * `"2::" + sha256(public id)` and falls back to the public id for sessions written before Rack 2.0.9.
 *
 * A store never sees a `Cookie` header and never writes one: that is the core's job. A store never
 * throws for bad stored bytes: `findSession` rejects with `SessionEntryError` (the core starts a
 * fresh session and calls `onError`), and with `SessionStoreUnavailableError` when the server fails
 * or times out.
 */
import { createHash } from "node:crypto";

/** Rack's `Rack::Session::SessionId`. */
export interface SessionId {
  /** What the cookie carries: 32 lowercase hex characters (`SecureRandom.hex(16)`). */
  readonly publicId: string;
  /** `"2::" + Digest::SHA256.hexdigest(public_id)`: what the store keys the session by. */
  readonly privateId: string;
}

/** `Rack::Session::SessionId#initialize`: ID_VERSION 2, SHA256 of the public id. */
export function sessionIdFor(publicId: string): SessionId {
  return { publicId, privateId: `2::${createHash("sha256").update(publicId).digest("hex")}` };
}

export interface FoundSession {
  /** The session Hash, String keys (as Rails' `session.to_hash`); no `"session_id"` key. */
  data: Record<string, unknown>;
  /** The serialized session as stored, so the core can skip writing an unchanged session. */
  payload: Uint8Array | null;
  /** Found under the public id (pre-2.0.9 key/row), not the private one: the next write moves it. */
  legacy: boolean;
}

export interface WriteSessionOptions {
  /** The session store's `expire_after`, seconds, or null. */
  expireAfter: number | null;
  /** The core's clock (tests pin it). */
  now: Date;
  /**
   * Set only when nothing but a change of the data requires this write (same id, no expiry to push
   * forward): the `FoundSession.payload` the session was loaded with. A store whose serialization of
   * `data` is exactly these bytes may skip the write; one that ignores it simply always writes.
   */
  unchangedPayload?: Uint8Array | null;
  /**
   * Set with `unchangedPayload` when the handler never set, deleted or was handed anything it could
   * change in place: `data` is the very object `findSession` returned. A store whose rule for "must
   * write" depends on the data only may return at once, without serializing it to compare.
   */
  untouched?: boolean;
}

/** One stored session, as listing yields it. */
export interface StoredSessionInfo {
  /** The key (Redis/Memcached) or `session_id` column value (SQL) exactly as the store holds it. */
  storeKey: string;
  /** The decoded session, or null when the entry is not readable (`error` says why). */
  data: Record<string, unknown> | null;
  error?: Error;
  /** When the store will drop it (Redis TTL, cache entry expiry), or null when unknown/never. */
  expiresAt: Date | null;
  /** SQL `updated_at`, or null where the store does not keep it. */
  updatedAt: Date | null;
}

export interface ListSessionsOptions {
  /** Entries fetched per round trip (Redis `SCAN COUNT`, SQL batch). */
  batchSize?: number;
  signal?: AbortSignal;
  /** The clock relative TTLs are turned into `expiresAt` with (default: now; tests pin it). */
  now?: Date;
}

export interface ServerSessionStore {
  /** What Rails calls this store: "RedisCacheStore", "MemCacheStore", "RedisSessionStore", "ActiveRecordStore". */
  readonly name: string;
  /**
   * The session's `expire_after` when the core is given none (seconds, or null). Rails' CacheStore
   * takes the cache's `expires_in` (`options[:expire_after] ||= @cache.options[:expires_in]`).
   * Optional: absent means null.
   */
  readonly defaultExpireAfter?: number | null;
  /**
   * `find_session`: the session under the private id, else under the public id, else null. `now`
   * (the core's clock) is what a store that checks expiry itself (a cache entry's `expires_at`) compares with.
   */
  findSession(sid: SessionId, options?: { now?: Date }): Promise<FoundSession | null>;
  /** `write_session`: store `data` under the private id (and drop a legacy public-id entry). */
  writeSession(sid: SessionId, data: Record<string, unknown>, options: WriteSessionOptions): Promise<void>;
  /** `delete_session`: drop the session under both ids. */
  deleteSession(sid: SessionId): Promise<void>;
  /** Every session in the store, streamed (SCAN / batched SELECT), never all held in memory. */
  listSessions(options?: ListSessionsOptions): AsyncIterable<StoredSessionInfo>;
  /** Drop one listed session by its `storeKey`; true when something was deleted. */
  deleteStoredSession(storeKey: string): Promise<boolean>;
}
