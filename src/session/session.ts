/**
 * `RailsSession`: the object a Node handler reads and writes, behaving like Rails' `session`
 * (actionpack/lib/action_dispatch/request/session.rb) over a cookie-store session.
 *
 * It is a Proxy over a null-prototype object holding the data, so the data is all there is to see:
 * `session.user_id`, `session["warden.user.user.key"] = …`, `delete session.flash`,
 * `Object.keys(session)` and `JSON.stringify(session)` all act on the data, exactly like
 * `session.to_hash` in Rails (String keys, `"session_id"` included).
 *
 * A few methods answer too, for names the data does not hold: `reset()` (Rails' `reset_session`),
 * `renew()` (Rack's `:renew` option: new id, same data, what Devise does on sign-in), `id` and
 * `toHash()`. A data key of the same name wins, because the session's content belongs to the Rails
 * app; the same operations exist as functions (`resetSession`, `renewSession`, `sessionId`).
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";

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
}

const STATE = Symbol("rails-cookie-codec.session");
const INSPECT = inspect.custom;

/** `SecureRandom.hex(16)` (rack session/abstract/id.rb `generate_sid`). */
export function generateSessionId(): string {
  return randomBytes(16).toString("hex");
}

/** The internal state of a session made by `createSession`, or undefined for anything else. */
export function sessionState(session: unknown): SessionState | undefined {
  if (session === null || typeof session !== "object") return undefined;
  return (session as { [STATE]?: SessionState })[STATE];
}

/** `reset_session`, as a function (works even when the data has a `"reset"` key). */
export function resetSession(session: RailsSession): void {
  const state = requireState(session);
  for (const key of Object.keys(state.data)) delete state.data[key];
  state.id = generateSessionId();
  if (state.idInData !== false) state.data["session_id"] = state.id;
  state.idChanged = true;
}

/** Rack's `renew`, as a function. */
export function renewSession(session: RailsSession): void {
  const state = requireState(session);
  state.id = generateSessionId();
  if (state.idInData !== false) state.data["session_id"] = state.id;
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

/** Wraps loaded state in the Proxy handlers use. */
export function createSession(state: SessionState): RailsSession {
  const data = state.data;
  const methods: Record<string | symbol, unknown> = {
    reset: () => resetSession(proxy),
    renew: () => renewSession(proxy),
    toHash: () => Object.assign(Object.create(null) as Record<string, unknown>, state.data),
    [INSPECT]: () => ({ ...state.data }),
  };
  const own = (key: string | symbol): boolean => typeof key === "string" && Object.prototype.hasOwnProperty.call(state.data, key);

  const proxy = new Proxy(data, {
    get(_target, key) {
      if (key === STATE) return state;
      // The handler may have reset the session: always go through state.data, never the original target.
      if (own(key)) return state.data[key as string];
      if (key === "id" || (key === "session_id" && state.idInData === false)) return state.id;
      return methods[key];
    },
    set(_target, key, value) {
      if (typeof key !== "string") return false;
      state.data[key] = value;
      return true;
    },
    deleteProperty(_target, key) {
      if (typeof key === "string") delete state.data[key];
      return true;
    },
    has(_target, key) {
      return own(key);
    },
    ownKeys() {
      return Reflect.ownKeys(state.data);
    },
    getOwnPropertyDescriptor(_target, key) {
      if (!own(key)) return undefined;
      // Decoded Ruby Hashes may carry a non-enumerable helper (`toJSON` for bigints): not session data.
      const enumerable = Object.prototype.propertyIsEnumerable.call(state.data, key);
      return { value: state.data[key as string], writable: true, enumerable, configurable: true };
    },
    defineProperty(_target, key, descriptor) {
      if (typeof key !== "string" || !("value" in descriptor)) return false;
      state.data[key] = descriptor.value;
      return true;
    },
    getPrototypeOf() {
      return null;
    },
  }) as RailsSession;
  return proxy;
}

/**
 * `session.to_hash.delete_if { |k, v| v.nil? }` (Rack `commit_session`). Without a nil to drop it is
 * the session object itself, which keeps the record of how Ruby wrote each entry.
 */
export function compactSessionData(data: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(data);
  if (!keys.some((k) => data[k] === null || data[k] === undefined)) return data;
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) if (data[k] !== null && data[k] !== undefined) out[k] = data[k];
  return out;
}
