/**
 * The session layer: Rails' cookie-store session for any Node framework. `createSessionStore` builds
 * a store once per app; per request, `load(req.headers.cookie)` gives a `RailsSession` and
 * `commit(session)` the `Set-Cookie` value to send (or null). `src/express.ts` is a thin shell over it.
 */
export { createSessionStore, type SessionStore, type SessionStoreOptions } from "./store.js";
export {
  resetSession,
  renewSession,
  sessionId,
  sessionState,
  generateSessionId,
  type RailsSession,
  type RailsSessionMethods,
  type SessionState,
} from "./session.js";
export { serializeSetCookie, resolveCookieOptions, type SameSite, type SessionCookieOptions, type ResolvedCookieOptions } from "./setCookie.js";
