/**
 * Managing the sessions of a server-side store, what neither Rails nor Plug ships: list them all,
 * find the ones of a Devise user, revoke one or all of them ("sign out everywhere").
 *
 * Every function takes any `ServerSessionStore` (RedisCacheStore, MemCacheStore, RedisSessionStore,
 * ActiveRecordStore) and works through its streamed `listSessions` and `deleteStoredSession`, so a
 * million sessions are walked a page at a time, never held in memory.
 *
 * The Devise user of a session is `session["warden.user.<scope>.key"] = [[id], salt]`
 * (src/rails/warden.ts). Revoking deletes the entry: the next request with that cookie finds no
 * session, and Rails (or this library) starts a fresh, signed-out one under a new id.
 */
import { wardenUser } from "../rails/warden.js";
import { sessionIdFor, type ListSessionsOptions, type ServerSessionStore, type StoredSessionInfo } from "./types.js";

export interface UserSessionsOptions extends ListSessionsOptions {
  /** The user's id as Devise stored it (`user.id`); compared by its text, so 42, 42n and "42" match. */
  id: unknown;
  /** The Warden scope (default `"user"`, Devise's `:user` mapping). */
  scope?: string;
}

/** Every session in the store, streamed. */
export function listSessions(store: ServerSessionStore, options: ListSessionsOptions = {}): AsyncIterable<StoredSessionInfo> {
  return store.listSessions(options);
}

/** The sessions in which `id` is signed in for `scope`. Unreadable entries are skipped. */
export async function* findUserSessions(store: ServerSessionStore, options: UserSessionsOptions): AsyncGenerator<StoredSessionInfo> {
  const { id, scope = "user", ...list } = options;
  const wanted = String(id);
  for await (const session of store.listSessions(list)) {
    if (session.data === null) continue;
    let user;
    try {
      user = wardenUser(session.data, scope);
    } catch {
      // Not Devise's [to_key, salt] shape: Devise would find nobody signed in either.
      continue;
    }
    if (user !== null && idText(user.id) === wanted) yield session;
  }
}

/** Revokes one session by its `storeKey` (as listed); true when something was deleted. */
export function revokeStoredSession(store: ServerSessionStore, storeKey: string): Promise<boolean> {
  return store.deleteStoredSession(storeKey);
}

/** Revokes the session a cookie carries (its public session id), under both its keys. */
export function revokeSession(store: ServerSessionStore, publicSessionId: string): Promise<void> {
  return store.deleteSession(sessionIdFor(publicSessionId));
}

/** "Sign out everywhere": deletes every session of the user; resolves to how many were deleted. */
export async function revokeUserSessions(store: ServerSessionStore, options: UserSessionsOptions): Promise<number> {
  let count = 0;
  for await (const session of findUserSessions(store, options)) {
    if (await store.deleteStoredSession(session.storeKey)) count++;
  }
  return count;
}

/**
 * A Devise id as text: ActiveRecord's `to_key` holds an Integer or a String (a UUID). Anything else
 * matches no id; `String()` of a decoded Marshal Hash, which has no prototype, would throw and end
 * the whole walk over the store.
 */
function idText(id: unknown): string | null {
  return typeof id === "string" || typeof id === "number" || typeof id === "bigint" ? String(id) : null;
}
