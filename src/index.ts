/**
 * rails-cookie-codec: read and write Ruby on Rails session, encrypted and signed cookies.
 *
 * The public API is small on purpose: a `CookieJar` built from your Rails app's settings, its
 * `encrypted` / `signed` codecs, typed errors, and the Ruby value types sessions can hold. The
 * layers underneath (crypto, envelope, serializers, Marshal) are exported for tools that need them.
 */
export { CookieJar, CookieCodec, MAX_COOKIE_SIZE, type DecodedCookie, type SetOptions } from "./jar.js";
export {
  resolveConfig,
  LOAD_DEFAULTS,
  NEWEST_LOAD_DEFAULTS,
  DEFAULT_SALTS,
  type CookieJarOptions,
  type CookieRotation,
  type CookiesSerializer,
  type LoadDefaults,
  type ResolvedConfig,
} from "./config.js";
export * from "./errors.js";
export { RubySymbol, RubyTime, RubyObject, sym } from "./ruby/types.js";
export { escapeCookieValue, unescapeCookieValue, parseCookieHeader } from "./cookie/escape.js";
export type { Scheme, SchemeSource } from "./schemes.js";
export { load as marshalLoad, dump as marshalDump, type MarshalLimits } from "./marshal/index.js";
export {
  formAuthenticityToken,
  validAuthenticityToken,
  CSRF_SESSION_KEY,
  type FormAuthenticityTokenOptions,
  type ValidAuthenticityTokenOptions,
  type FormOptions,
} from "./rails/csrf.js";
export { readFlash, consumeFlash, setFlash, keepFlash, writeFlash, FLASH_SESSION_KEY, type Flashes } from "./rails/flash.js";
export { wardenUser, setWardenUser, clearWardenUser, wardenKeyFor, type WardenUser } from "./rails/warden.js";
export {
  findSecretKeyBase,
  decryptEncryptedFile,
  parseCredentials,
  type FindSecretKeyBaseOptions,
  type SecretKeyBaseResult,
} from "./credentials/index.js";
export {
  detectCookie,
  explainCookie,
  cookieShape,
  type CookieKind,
  type CookieShape,
  type DetectOptions,
  type DetectedCookie,
  type CookieExplanation,
  type ExplainResult,
} from "./detect.js";
export {
  createSessionStore,
  type SessionStore,
  type SessionStoreOptions,
  type RailsSession,
  type SessionCookieOptions,
  type SameSite,
} from "./session/index.js";
export {
  defaultOnError,
  type ServerSessionCore,
  type ServerSessionStoreOptions,
  type SessionErrorContext,
  type SessionErrorHandler,
} from "./session/serverStore.js";
export * from "./stores/index.js";
