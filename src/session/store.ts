/**
 * `createSessionStore`: Rails' `CookieStore`, framework-agnostic. `load` a request's `Cookie`
 * header into a `RailsSession`, let the handler use it, `commit` it into a `Set-Cookie` value.
 *
 * Rails sources followed:
 * - actionpack/lib/action_dispatch/middleware/session/cookie_store.rb (`unpacked_cookie_data`:
 *   keys stringified; `persistent_session_id!`: a session without `"session_id"` gets one;
 *   `write_session`: `session_data["session_id"] = sid`);
 * - rack lib/rack/session/abstract/id.rb `commit_session` (nil values dropped; with
 *   `expire_after` the cookie's `expires` and the envelope's `exp` are both now + expire_after);
 * - actionpack/lib/action_dispatch/middleware/cookies.rb (`signed_or_encrypted`, `SameSite` from
 *   `cookies_same_site_protection`, `CookieOverflow`).
 *
 * One deliberate difference: Rails writes the cookie on every request that touched the session;
 * this store writes only when the data changed (deep: serialized bytes are compared), when the id
 * changed (`reset`/`renew`), when the codec says Rails would rewrite the cookie (`needsRewrite`), or
 * to push `expireAfter` forward. An untouched new session never sets a cookie. A session the
 * handler never touched (no set or delete, no object handed out, see `SessionState.touched`) is
 * not even serialized to compare: its data is what the cookie carried.
 *
 * A cookie read again (the verified-cookie cache, src/crypto/verifiedCache.ts) is not even
 * deserialized again: every session loaded from it starts on one frozen view of its data
 * (`CookieCodec.decodeShared`), and a session copies it for itself the first time its handler
 * could change it (`ownData` in src/session/session.ts: a set, a delete, an object read).
 */
import { CookieJar, type CookieCodec, type SharedRead } from "../jar.js";
import type { CookieJarOptions } from "../config.js";
import { findCookie } from "../cookie/escape.js";
import { InvalidOptionError, PayloadError, RailsCookieError } from "../errors.js";
import { RubySymbol } from "../ruby/types.js";
import { compactSessionData, createSession, generateSessionId, ownData, sessionState, type RailsSession, type SessionState, type SessionView } from "./session.js";
import { createServerSessionStore, type ServerSessionCore, type ServerSessionStoreOptions } from "./serverStore.js";
import { resolveCookieOptions, serializeSetCookie, type ResolvedCookieOptions, type SessionCookieOptions } from "./setCookie.js";

export interface SessionStoreOptions extends CookieJarOptions {
  /** The session cookie's name: `config.session_store :cookie_store, key: "_myapp_session"`. */
  key: string;
  /** `expire_after:` in seconds, or null/undefined for a browser-session cookie. */
  expireAfter?: number | null;
  cookie?: SessionCookieOptions;
}

export interface SessionStore {
  /** The session a request carries, or a fresh one when it carries none or one that cannot be read. Never throws for a bad cookie. */
  load(cookieHeader: string | undefined | null): RailsSession;
  /**
   * The `Set-Cookie` header value to send, or null when nothing must be written. Throws
   * `CookieOverflowError` (code `cookie_overflow`) when the session exceeds 4096 bytes, and
   * `UnserializableError` for a value the serializer cannot write.
   */
  commit(session: RailsSession): string | null;
  /** The jar the session cookie is read and written with (for `cookies.encrypted` / `signed` of the same app). */
  readonly jar: CookieJar;
  readonly key: string;
}

/**
 * With `store` (a server-side store: RedisCacheStore, MemCacheStore, RedisSessionStore,
 * ActiveRecordStore) the session lives on the server and `load`/`commit` are async
 * (src/session/serverStore.ts); without it, Rails' CookieStore, synchronous.
 */
export function createSessionStore(options: ServerSessionStoreOptions): ServerSessionCore;
export function createSessionStore(options: SessionStoreOptions): SessionStore;
export function createSessionStore(options: SessionStoreOptions | ServerSessionStoreOptions): SessionStore | ServerSessionCore {
  if ("store" in options && options.store !== undefined) return createServerSessionStore(options);
  return createCookieSessionStore(options);
}

/**
 * Session cookies remembered as authenticated, by default. Measured on Node 20 with 1000
 * full-size (4 KB) session cookies: ~9 MB for the plaintexts alone, 15–22 MB with the shared
 * session views the store keeps beside them (flat to nested data); typical sessions are far smaller.
 */
export const DEFAULT_VERIFIED_COOKIE_CACHE = 1000;

function createCookieSessionStore(options: SessionStoreOptions): SessionStore {
  const { key, expireAfter = null, cookie, ...jarOptions } = options;
  if (typeof key !== "string" || key === "") throw new InvalidOptionError("key (the session cookie name) is required");
  if (expireAfter !== null && !(typeof expireAfter === "number" && Number.isFinite(expireAfter) && expireAfter > 0)) {
    throw new InvalidOptionError("expireAfter must be a positive number of seconds, or null");
  }
  // A browser sends the same session cookie until it changes: remember what was authenticated
  // (src/crypto/verifiedCache.ts; purpose and expiry are still checked every time).
  const jar = new CookieJar({ ...jarOptions, verifiedCookieCache: jarOptions.verifiedCookieCache ?? DEFAULT_VERIFIED_COOKIE_CACHE });
  const codec: CookieCodec = jar.session;
  const config = jar.config;
  const cookieOptions: ResolvedCookieOptions = resolveCookieOptions(cookie, Number(config.loadDefaults));

  // Change detection, however deep the change: at commit the session is serialized once and
  // compared with the bytes the cookie carried (`payload`); the same bytes are then sealed.
  // A new id (reset/renew) changes those bytes too.

  function load(cookieHeader: string | undefined | null): RailsSession {
    let raw: string | undefined;
    if (typeof cookieHeader === "string" && cookieHeader !== "") raw = findCookie(cookieHeader, key);

    let data: Record<string, unknown> | null = null;
    let readError: unknown = null;
    let needsRewrite = false;
    let snapshot: Uint8Array | null = null;
    // Symbol or Integer keys made Strings: the data is no longer what the cookie carried.
    let converted = false;
    let shared: SharedRead<SessionView> | null = null;
    if (raw !== undefined) {
      try {
        // Shared with every read of the same cookie (the verified-cookie cache), frozen: the
        // session copies it the first time the handler could change it (`ownData`).
        shared = codec.decodeShared(key, raw, sessionView);
        data = shared.value.data;
        converted = shared.value.converted;
        needsRewrite = shared.needsRewrite;
        snapshot = shared.payload;
      } catch (error) {
        // Any failure to read means "no session" (Rails: the jar returns nil). A non-RailsCookieError
        // is a bug in a lower layer; it still must not turn a request into a 500, so it is kept
        // for inspection instead of thrown.
        readError = error;
      }
    }

    const fresh = data === null;
    const state: SessionState = {
      data: data ?? (Object.create(null) as Record<string, unknown>),
      id: "",
      loadedFromCookie: !fresh,
      readError,
      needsRewrite,
      idChanged: false,
      snapshot,
      touched: converted,
      shared,
    };
    const stored = state.data["session_id"];
    if (typeof stored === "string" && stored !== "") {
      state.id = stored;
    } else {
      // `persistent_session_id!`: a cookie session without an id gets one, which must be written.
      state.id = generateSessionId();
      ownData(state)["session_id"] = state.id;
      state.idChanged = !fresh;
    }
    return createSession(state);
  }

  function commit(session: RailsSession): string | null {
    const state = sessionState(session);
    if (!state) throw new InvalidOptionError("commit() needs the session load() returned");
    // `write_session`: the cookie always carries the store's id, whatever the handler did to the key.
    if (state.data["session_id"] !== state.id) ownData(state)["session_id"] = state.id;

    const data = compactSessionData(state.data);
    const forced =
      state.needsRewrite ||
      (state.idChanged && (state.loadedFromCookie || state.readError !== null)) ||
      (expireAfter !== null && state.loadedFromCookie);
    // Nothing to compare when the handler never touched the data (and no nil is to be dropped): it
    // is what the cookie carried. A session that came without a cookie is written once it holds
    // anything besides its id; checking that needs no serialization either.
    if (!forced) {
      if (state.snapshot !== null ? !state.touched && data === state.data : !Object.keys(data).some((k) => k !== "session_id")) return null;
    }
    const serialized = codec.serialize(key, data); // bounded: stops past 4096 bytes (CookieOverflowError)
    const changed =
      state.snapshot === null || !Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength).equals(state.snapshot);
    const write = forced || changed;
    if (!write) return null;

    const expires = expireAfter === null ? null : new Date(config.now().getTime() + expireAfter * 1000);
    const value = codec.setSerialized(key, serialized, { expires });
    return serializeSetCookie(key, value, cookieOptions, expires);
  }

  return { load, commit, jar, key };
}

/**
 * What a session makes of its cookie's value (`CookieCodec.decodeShared`): the data with String
 * keys, frozen when it is the view shared by every read of the same cookie.
 */
function sessionView(value: unknown, shared: boolean): SessionView {
  const data = stringifyKeys(value);
  return { data: shared ? Object.freeze(data) : data, converted: value instanceof Map };
}

/**
 * `data.stringify_keys!` (CookieStore `unpacked_cookie_data`): the cookie must hold a Hash; Symbol
 * and Integer keys become Strings. Anything else is not a session (Rails would raise; we start fresh).
 */
export function stringifyKeys(value: unknown): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      let name: string;
      if (typeof k === "string") name = k;
      else if (k instanceof RubySymbol) name = k.name;
      else if (typeof k === "number" || typeof k === "bigint") name = String(k);
      else throw new PayloadError("session Hash has a key that is not a String, Symbol or Integer");
      if (!(name in out)) out[name] = v;
    }
    return out;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new PayloadError("session cookie does not hold a Hash");
  const proto = Object.getPrototypeOf(value) as unknown;
  // A Marshal or MessagePack Hash is already a prototype-less object, and carries the hidden record
  // of how Ruby wrote each entry: keep that very object, so unchanged entries go back byte for byte.
  if (proto === null) return value as Record<string, unknown>;
  if (proto !== Object.prototype) throw new PayloadError("session cookie does not hold a Hash");
  return Object.assign(out, value);
}
