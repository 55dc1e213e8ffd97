/**
 * Server-side session stores, each named as Rails names it. Plug one into
 * `createSessionStore({ key, store })` or `railsSession({ key, store })`.
 */
export { sessionIdFor, type SessionId, type ServerSessionStore, type FoundSession, type WriteSessionOptions, type StoredSessionInfo, type ListSessionsOptions } from "./types.js";
export { RedisSessionStore, generateJson, type RedisSessionStoreOptions, type RedisSessionStoreSerializer } from "./redisSessionStore.js";
export { DEFAULT_SERVER_TIMEOUT, type RedisClientLike, type NodeRedisClientLike, type IoRedisClientLike } from "./redisClient.js";
export { RedisCacheStore, type RedisCacheStoreOptions } from "./redisCacheStore.js";
export { MemCacheStore, type MemCacheStoreOptions, type MemjsClientLike } from "./memCacheStore.js";
export type { CacheStoreOptions } from "./cacheSession.js";
export { type CacheFormatVersion, type CacheSerializer, type CacheCoderOptions } from "../cache/coder.js";
export { zlibCompressor, type Compressor } from "../cache/compressor.js";
export { listSessions, findUserSessions, revokeSession, revokeStoredSession, revokeUserSessions, type UserSessionsOptions } from "./management.js";
export {
  ActiveRecordStore,
  type ActiveRecordStoreOptions,
  type TrimOptions,
  type CleanerOptions,
} from "./activeRecordStore.js";
export type { ActiveRecordSerializer } from "./activeRecord/serializers.js";
export type { GemVersion } from "./activeRecord/gemVersion.js";
export type { SqlClient, SqlDialect, SqlRow, SqlValue, DataColumnType } from "./activeRecord/sql.js";
export {
  sqlClientFor,
  pgSqlClient,
  mysql2SqlClient,
  betterSqlite3SqlClient,
  type ActiveRecordClient,
  type PgQueryable,
  type Mysql2PromiseQueryable,
  type Mysql2CallbackQueryable,
  type BetterSqlite3Database,
} from "./activeRecord/drivers/index.js";
