/**
 * Listing the sessions of a Redis-backed store: `SCAN MATCH <prefix>*` a page at a time, then the
 * page's values in one `MGET` and their TTLs (`PTTL`, sent together so the client pipelines them).
 * Memory stays at one page, however many sessions the server holds.
 */
import type { RedisCommands } from "./redisClient.js";
import type { ListSessionsOptions, StoredSessionInfo } from "./types.js";

/** What follows the prefix in a session key: a private id (`2::` + sha256 hex) or a legacy public id. */
const SESSION_KEY_ID = /^(?:2::[0-9a-f]{64}|[0-9a-f]{32})$/;

export const DEFAULT_LIST_BATCH = 500;

export async function* listRedisEntries(
  redis: RedisCommands,
  pattern: string,
  options: ListSessionsOptions,
  prefixLength: number,
  read: (key: string, bytes: Uint8Array, pttl: number) => StoredSessionInfo,
): AsyncGenerator<StoredSessionInfo> {
  for await (const page of redis.scan(pattern, options.batchSize ?? DEFAULT_LIST_BATCH, options.signal)) {
    // Other data may share the prefix (a cache namespace holds more than sessions): only session keys.
    const keys = page.filter((key) => SESSION_KEY_ID.test(key.slice(prefixLength)));
    if (keys.length === 0) continue;
    const [values, ttls] = await Promise.all([redis.mget(keys), Promise.all(keys.map((k) => redis.pttl(k)))]);
    for (let i = 0; i < keys.length; i++) {
      const bytes = values[i];
      // Gone between SCAN and MGET (expired or revoked meanwhile): not a session any more.
      if (bytes === null || bytes === undefined) continue;
      yield read(keys[i]!, bytes, ttls[i]!);
    }
  }
}

/** A Redis PTTL as an expiry time: -1 (no expiry) and -2 (gone) are null. */
export function expiresAtFromPttl(pttl: number, now: Date = new Date()): Date | null {
  return pttl >= 0 ? new Date(now.getTime() + pttl) : null;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
