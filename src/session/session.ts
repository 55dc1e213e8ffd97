/**
 * `RailsSession`: the object a Node handler reads and writes, behaving like Rails' `session`
 * (actionpack/lib/action_dispatch/request/session.rb) over a cookie-store session.
 *
 * It is a Proxy whose traps act on a null-prototype object holding the data (one handler shared by
 * every session, no closures per request), so the data is all there is to see:
 * `session.user_id`, `session["warden.user.user.key"] = …`, `delete session.flash`,
 * `Object.keys(session)` and `JSON.stringify(session)` all act on the data, exactly like
 * `session.to_hash` in Rails (String keys, `"session_id"` included).
 *
 * A few methods answer too, for names the data does not hold: `reset()` (Rails' `reset_session`),
 * `renew()` (Rack's `:renew` option: new id, same data, what Devise does on sign-in), `id` and
 * `toHash()`. A data key of the same name wins, because the session's content belongs to the Rails
 * app; the same operations exist as functions (`resetSession`, `renewSession`, `sessionId`).
 */
import { inspect } from "node:util";
import { generateSessionId } from "./rack.js";

export { compactSessionData, generateSessionId } from "./rack.js";

/** The session as handlers see it: its data, plus the methods below when no data key shadows them. */
export type RailsSession = Record<string, unknown> & RailsSessionMethods;

export interface RailsSessionMethods {
  /** Rails' `reset_session`: drops every key and starts a new session with a new id. */
  reset(): void;
  /** A new session id for the same data (Rack's `renew`; prevents session fixation on sign-in). */
  renew(): void;
  /** The session id (`session["session_id"]`, 32 lowercase hex characters). */
  readonly id: string;
  /** `session.to_hash`: a plain null-prototype copy of the data. */
  toHash(): Record<string, unknown>;
}

/** What the store keeps about one loaded session (not visible on the session object itself). */
export interface SessionState {
  data: Record<string, unknown>;
  id: string;
  /** The request carried a session cookie that was read successfully. */
  loadedFromCookie: boolean;
  /** The request carried a session cookie that could not be read; the session started fresh. */
  readError: unknown;
  /** The codec read the cookie through a rotation, fallback or foreign serialization. */
  needsRewrite: boolean;
  /** `reset()` or `renew()` was called: the cookie must be written with the new id. */
  idChanged: boolean;
  /** The serialized data as loaded, to detect any change, however deep, at commit time. */
  snapshot: Uint8Array | null;
  /**
   * false for server-side stores: the id lives in the cookie and the store's key, not in the data
   * (actionpack session/cache_store.rb keeps no "session_id" in the Hash; `session["session_id"]`
   * still answers the id, as Rails' `Request::Session#[]` does). Default: true (cookie store).
   */
  idInData?: boolean;
  /**
   * The handler may have changed the data: it set, deleted or defined a key, or was handed a value
   * it can change in place (an object or array read from the session, `toHash()`, an inspection).
   * While false the data is exactly what was loaded and commit need not serialize it to compare.
   */
  touched?: boolean;
  /**
   * Set while `data` is the read-only view of a cookie that the verified-cookie cache shares with
   * every other read of the same cookie (`CookieCodec.decodeShared`, src/jar.ts; `data` is frozen).
   * A handler that only reads plain values reads it as it is; before anything could change the
   * data (a set, a delete, an object handed out, a rename of the id), `ownData` swaps in a copy of
   * this session's own. null or absent: `data` is the session's own.
   */
  shared?: { copy(): SessionView } | null;
}

/** What the cookie store makes of a cookie's value (src/session/store.ts `sessionView`). */
export interface SessionView {
  readonly data: Record<string, unknown>;
  /** Symbol or Integer keys were made Strings: the data is no longer what the cookie carried. */
  readonly converted: boolean;
}

/** `state.data`, made the session's own first if it is still the cache's shared view (see `SessionState.shared`). */
export function ownData(state: SessionState): Record<string, unknown> {
  const shared = state.shared;
  if (shared !== null && shared !== undefined) {
    state.data = shared.copy().data;
    state.shared = null;
  }
  return state.data;
}

const STATE = Symbol("rails-cookie-codec.session");
const INSPECT = inspect.custom;

/** The internal state of a session made by `createSession`, or undefined for anything else. */
export function sessionState(session: unknown): SessionState | undefined {
  if (session === null || typeof session !== "object") return undefined;
  return (session as { [STATE]?: SessionState })[STATE];
}

/** `reset_session`, as a function (works even when the data has a `"reset"` key). */
export function resetSession(session: RailsSession): void {
  const state = requireState(session);
  // A new, empty data object (nothing of the old one is kept, so a shared view need not be copied).
  state.data = Object.create(null) as Record<string, unknown>;
  state.shared = null;
  state.id = generateSessionId();
  if (state.idInData !== false) state.data["session_id"] = state.id;
  state.idChanged = true;
}

/** Rack's `renew`, as a function. */
export function renewSession(session: RailsSession): void {
  const state = requireState(session);
  state.id = generateSessionId();
  if (state.idInData !== false) ownData(state)["session_id"] = state.id;
  state.idChanged = true;
}

/** The session id, as a function. */
export function sessionId(session: RailsSession): string {
  return requireState(session).id;
}

function requireState(session: RailsSession): SessionState {
  const state = sessionState(session);
  if (!state) throw new TypeError("not a RailsSession");
  return state;
}

/**
 * The Proxy's target: holds the state, and answers `util.inspect` (which looks at a Proxy's target,
 * not through its traps) with the data. One small object per session; the traps and methods below
 * are shared by every session, so a request allocates no closures for its session.
 */
class SessionTarget {
  constructor(readonly state: SessionState) {}
  // Node calls it with the Proxy as `this`.
  [INSPECT](this: RailsSession | SessionTarget): Record<string, unknown> {
    return inspected(sessionState(this) ?? (this as SessionTarget).state);
  }
}

function inspected(state: SessionState): Record<string, unknown> {
  state.touched = true;
  return Object.assign(Object.create(null) as Record<string, unknown>, ownData(state));
}

/** Values a handler can change in place: reading one may change the session without a `set`. */
const mutable = (value: unknown): boolean => (typeof value === "object" && value !== null) || typeof value === "function";
const own = (data: Record<string, unknown>, key: string | symbol): boolean =>
  typeof key === "string" && Object.prototype.hasOwnProperty.call(data, key);

const METHODS: Record<string, (this: RailsSession) => unknown> = {
  reset(this: RailsSession) {
    resetSession(this);
  },
  renew(this: RailsSession) {
    renewSession(this);
  },
  toHash(this: RailsSession) {
    const state = requireState(this);
    // A shallow copy: nested values are shared with the session, so the handler may change them.
    state.touched = true;
    return Object.assign(Object.create(null) as Record<string, unknown>, ownData(state));
  },
};

// The handler may have reset the session: traps always go through state.data.
const HANDLER: ProxyHandler<SessionTarget> = {
  get(target, key, receiver) {
    if (key === STATE) return target.state;
    const state = target.state;
    if (own(state.data, key)) {
      const value = state.data[key as string];
      if (!mutable(value)) return value;
      // An object the handler may change in place: it must be the session's own.
      state.touched = true;
      return ownData(state)[key as string];
    }
    if (key === "id" || (key === "session_id" && state.idInData === false)) return state.id;
    if (typeof key === "string" && Object.prototype.hasOwnProperty.call(METHODS, key)) {
      const method = METHODS[key]!;
      // `session.reset()` and a detached `const { reset } = session; reset()` both work.
      return () => method.call(receiver as RailsSession);
    }
    if (key === INSPECT) return () => inspected(state);
    return undefined;
  },
  set(target, key, value) {
    if (typeof key !== "string") return false;
    ownData(target.state)[key] = value;
    target.state.touched = true;
    return true;
  },
  deleteProperty(target, key) {
    if (typeof key === "string") delete ownData(target.state)[key];
    target.state.touched = true;
    return true;
  },
  has(target, key) {
    return own(target.state.data, key);
  },
  ownKeys(target) {
    return Reflect.ownKeys(target.state.data);
  },
  getOwnPropertyDescriptor(target, key) {
    const state = target.state;
    if (!own(state.data, key)) return undefined;
    let value = state.data[key as string];
    if (mutable(value)) {
      state.touched = true;
      value = ownData(state)[key as string];
    }
    // Decoded Ruby Hashes may carry a non-enumerable helper (`toJSON` for bigints): not session data.
    const enumerable = Object.prototype.propertyIsEnumerable.call(state.data, key);
    return { value, writable: true, enumerable, configurable: true };
  },
  defineProperty(target, key, descriptor) {
    if (typeof key !== "string" || !("value" in descriptor)) return false;
    ownData(target.state)[key] = descriptor.value;
    target.state.touched = true;
    return true;
  },
  getPrototypeOf() {
    return null;
  },
};

/** Wraps loaded state in the Proxy handlers use. */
export function createSession(state: SessionState): RailsSession {
  return new Proxy(new SessionTarget(state), HANDLER) as unknown as RailsSession;
}
