/**
 * The session core over a server-side store (`createSessionStore({ key, store, … })`): the cookie
 * carries only the public session id, the data lives in Redis, Memcached or SQL. `load` and
 * `commit` are async because the store is; everything else is the cookie-store core's behaviour.
 *
 * Rails sources followed:
 * - rack lib/rack/session/abstract/id.rb (`Persisted#commit_session`: `:drop`/`:renew` delete the
 *   old entry first; `expire_after` forces a write of a non-empty session and sets the cookie's
 *   `expires`; nil values dropped; `SessionId`, `generate_sid` = `SecureRandom.hex(16)`);
 * - actionpack lib/action_dispatch/middleware/session/cache_store.rb (`find_session`: an id the
 *   store does not know gets a new id, never the client's; `write_session` under the private id;
 *   `delete_session` drops both ids) and abstract_store.rb;
 * - actionpack lib/action_dispatch/middleware/cookies.rb (`CookieJar#[]=`: the plain cookie is
 *   sent only when its value changed or it carries an `expires`).
 *
 * Differences from Rails, on purpose (docs/server-sessions.md):
 * - Rails rewrites the entry on every request that read the session; here an unchanged session
 *   without `expireAfter` is not rewritten (a session the handler never touched is not even
 *   serialized, `untouched`; otherwise the store compares bytes, `unchangedPayload`), and a new
 *   session that stays empty is never written. Nothing a Rails app can observe differs.
 * - Rails' cache stores swallow a Redis/Memcached failure (the request sees a fresh, empty
 *   session and its writes are lost). The default `onError` here rethrows `store_unavailable`, so
 *   the request fails instead of silently signing the user out or losing a sign-out; an `onError`
 *   that returns gives Rails' behaviour.
 */
import { CookieJar } from "../jar.js";
import { LOAD_DEFAULTS, NEWEST_LOAD_DEFAULTS, type CookieJarOptions, type LoadDefaults } from "../config.js";
import { parseCookieHeader } from "../cookie/escape.js";
import { CookieFormatError, InvalidOptionError, RailsCookieError, SessionStoreUnavailableError } from "../errors.js";
import { sessionIdFor, type ServerSessionStore, type SessionId } from "../stores/types.js";
import { compactSessionData, createSession, generateSessionId, sessionState, type RailsSession, type SessionState } from "./session.js";
import { resolveCookieOptions, serializeSetCookie, type ResolvedCookieOptions, type SessionCookieOptions } from "./setCookie.js";

/** Where a store error happened: reading the session (`load`) or writing/deleting it (`commit`). */
export interface SessionErrorContext {
  phase: "load" | "commit";
  /** The store's Rails name (`"RedisCacheStore"`, …). */
  store: string;
}

/**
 * Called with every error the core recovers from. Returning means "carry on the way Rails does"
 * (load: a fresh session; commit: the write is dropped and no cookie is sent); throwing makes
 * `load`/`commit` reject with that error (Express: `next(err)`).
 */
export type SessionErrorHandler = (error: RailsCookieError, context: SessionErrorContext) => void;

/** Default: a bad entry or cookie starts a fresh session quietly; a store that is down fails the request. */
export const defaultOnError: SessionErrorHandler = (error) => {
  if (error.code === "store_unavailable") throw error;
};

export interface ServerSessionStoreOptions extends CookieJarOptions {
  /** The session cookie's name: `config.session_store :cache_store, key: "_myapp_session"`. */
  key: string;
  /** Where the sessions live: a `RedisCacheStore`, `MemCacheStore`, `RedisSessionStore`, `ActiveRecordStore`. */
  store: ServerSessionStore;
  /** `expire_after:` in seconds; default the store's `defaultExpireAfter` (a cache's `expiresIn`), else none. */
  expireAfter?: number | null;
  cookie?: SessionCookieOptions;
  onError?: SessionErrorHandler;
}

export interface ServerSessionCore {
  /** The session a request carries, or a fresh one. Rejects only when `onError` throws. */
  load(cookieHeader: string | undefined | null): Promise<RailsSession>;
  /**
   * Writes the session to the store when needed and resolves to the `Set-Cookie` value to send
   * (or null). Rejects with `UnserializableError` for a value the store's serializer cannot hold,
   * and with whatever `onError` throws.
   */
  commit(session: RailsSession): Promise<string | null>;
  /** A jar for `cookies.encrypted` / `signed` of the same app, when `secretKeyBase` was given; else null. */
  readonly jar: CookieJar | null;
  readonly key: string;
  readonly store: ServerSessionStore;
  readonly loadDefaults: LoadDefaults;
  readonly railsVersion: number;
}

/** `SecureRandom.hex(16)`: what Rack generates and what the cookie must carry. */
const PUBLIC_SESSION_ID = /^[0-9a-f]{32}$/;

interface Loaded {
  /** The id the session was found under, to delete on reset/renew. */
  found: SessionId | null;
  legacy: boolean;
  /** The id the request's cookie carried, if it was one. */
  cookieId: string | null;
  payload: Uint8Array | null;
}

export function createServerSessionStore(options: ServerSessionStoreOptions): ServerSessionCore {
  const { key, store, expireAfter: expireAfterOption, cookie, onError = defaultOnError, ...jarOptions } = options;
  if (typeof key !== "string" || key === "") throw new InvalidOptionError("key (the session cookie name) is required");
  if (store === null || typeof store !== "object" || typeof store.findSession !== "function") {
    throw new InvalidOptionError("store must be a server-side session store (RedisCacheStore, MemCacheStore, …)");
  }
  const expireAfter = expireAfterOption ?? store.defaultExpireAfter ?? null;
  if (expireAfter !== null && !(typeof expireAfter === "number" && Number.isFinite(expireAfter) && expireAfter > 0)) {
    throw new InvalidOptionError("expireAfter must be a positive number of seconds, or null");
  }
  const loadDefaults = jarOptions.loadDefaults ?? NEWEST_LOAD_DEFAULTS;
  if (!LOAD_DEFAULTS.includes(loadDefaults)) throw new InvalidOptionError(`loadDefaults must be one of ${LOAD_DEFAULTS.join(", ")}`);
  const railsVersion = Number(jarOptions.railsVersion ?? loadDefaults);
  // The session cookie itself is a plain cookie; a jar is only needed for the app's other cookies.
  const jar = jarOptions.secretKeyBase !== undefined || jarOptions.secretToken !== undefined ? new CookieJar(jarOptions) : null;
  const now = jarOptions.now ?? (() => new Date());
  // SameSite=Lax under load_defaults 6.1+ only until Rails 7.0: the Set-Cookie lines real Rails
  // 7.1–8.0 sent for :cache_store and redis-session-store sessions carry no SameSite at all, whatever
  // load_defaults (fixtures/rails-server-sessions; docs/findings.md).
  const sameSiteDefaults = railsVersion >= 7.1 ? 0 : Number(loadDefaults);
  const cookieOptions: ResolvedCookieOptions = resolveCookieOptions(cookie, sameSiteDefaults);
  const loadedOf = new WeakMap<SessionState, Loaded>();

  /** Hands a recovered error to `onError`; whatever it throws propagates. */
  function report(error: unknown, phase: SessionErrorContext["phase"]): void {
    const typed =
      error instanceof RailsCookieError
        ? error
        : new SessionStoreUnavailableError(`${store.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    onError(typed, { phase, store: store.name });
  }

  async function load(cookieHeader: string | undefined | null): Promise<RailsSession> {
    let raw: string | undefined;
    if (typeof cookieHeader === "string" && cookieHeader !== "") raw = parseCookieHeader(cookieHeader).get(key);

    const loaded: Loaded = { found: null, legacy: false, cookieId: null, payload: null };
    let data: Record<string, unknown> | null = null;
    let readError: unknown = null;
    if (raw !== undefined) {
      if (!PUBLIC_SESSION_ID.test(raw)) {
        readError = new CookieFormatError("the session cookie is not a session id (32 lowercase hex characters)");
        report(readError, "load");
      } else {
        loaded.cookieId = raw;
        const sid = sessionIdFor(raw);
        try {
          const found = await store.findSession(sid, { now: now() });
          if (found !== null) {
            data = found.data;
            loaded.found = sid;
            loaded.legacy = found.legacy;
            loaded.payload = found.payload;
          }
        } catch (error) {
          readError = error;
          report(error, "load");
        }
      }
    }

    const state: SessionState = {
      data: data ?? (Object.create(null) as Record<string, unknown>),
      // `find_session`: an id the store does not hold is replaced (no session fixation).
      id: loaded.found !== null ? loaded.found.publicId : generateSessionId(),
      loadedFromCookie: loaded.found !== null,
      readError,
      // Found under the pre-Rack-2.0.9 public-id key: the next write moves it under the private id.
      needsRewrite: loaded.legacy,
      idChanged: false,
      snapshot: loaded.payload,
      idInData: false,
    };
    loadedOf.set(state, loaded);
    return createSession(state);
  }

  async function commit(session: RailsSession): Promise<string | null> {
    const state = sessionState(session);
    const loaded = state && loadedOf.get(state);
    if (!state || !loaded) throw new InvalidOptionError("commit() needs the session load() returned");

    const data = compactSessionData(state.data);
    const empty = Object.keys(data).length === 0;
    const found = loaded.found !== null;
    // What forces a write (Rack `commit_session`): a new id (reset/renew), a legacy key to migrate,
    // `expire_after` on a non-empty or existing session (`forced_session_update?`), new content.
    const forced =
      (state.idChanged && (found || loaded.cookieId !== null || state.readError !== null)) ||
      state.needsRewrite ||
      (expireAfter !== null && (found || !empty));
    if (!forced && !found && empty) return null;

    try {
      // `reset_session` / `renew`: the old entry goes before the new one is written.
      if (state.idChanged && loaded.found !== null) await store.deleteSession(loaded.found);
      await store.writeSession(sessionIdFor(state.id), data, {
        expireAfter,
        now: now(),
        // Untouched: the handler never changed the data nor was handed a part it could change.
        ...(forced ? {} : { unchangedPayload: loaded.payload, untouched: !state.touched && data === state.data }),
      });
    } catch (error) {
      // A value the serializer cannot hold is the handler's bug, as in the cookie store: no recovery.
      if (error instanceof RailsCookieError && error.code !== "store_unavailable" && error.code !== "bad_session_entry") throw error;
      report(error, "commit");
      // Rack: "failed to save session. Content dropped." — and no cookie for it.
      return null;
    }

    // The plain cookie jar only sends a cookie whose value changed or that carries an expiry.
    if (state.id === loaded.cookieId && expireAfter === null) return null;
    const expires = expireAfter === null ? null : new Date(now().getTime() + expireAfter * 1000);
    return serializeSetCookie(key, state.id, cookieOptions, expires);
  }

  return { load, commit, jar, key, store, loadDefaults, railsVersion };
}
