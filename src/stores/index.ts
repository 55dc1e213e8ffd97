/**
 * Server-side session stores, each named as Rails names it. Plug one into
 * `createSessionStore({ key, store })` or `railsSession({ key, store })`.
 */
export { sessionIdFor, type SessionId, type ServerSessionStore, type FoundSession, type WriteSessionOptions, type StoredSessionInfo, type ListSessionsOptions } from "./types.js";
export { RedisSessionStore, generateJson, type RedisSessionStoreOptions, type RedisSessionStoreSerializer } from "./redisSessionStore.js";
export { DEFAULT_REDIS_TIMEOUT_MS, type RedisClientLike, type NodeRedisClientLike, type IoRedisClientLike } from "./redisClient.js";
