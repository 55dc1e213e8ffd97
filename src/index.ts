/**
 * rails-cookie-codec: read and write Ruby on Rails session, encrypted and signed cookies.
 *
 * The public API is small on purpose: a `CookieJar` built from your Rails app's settings, its
 * `encrypted` / `signed` codecs, typed errors, and the Ruby value types sessions can hold. The
 * layers underneath (crypto, envelope, serializers, Marshal) are exported for tools that need them.
 */
export * from "./api.js";
// Node only: the synchronous jar on node:crypto, Marshal, CSRF, credentials, detection, session stores.
export { CookieJar, CookieCodec } from "./jar.js";
export type { Scheme } from "./schemes.js";
export { load as marshalLoad, dump as marshalDump, type MarshalLimits } from "./marshal/index.js";
export {
  formAuthenticityToken,
  validAuthenticityToken,
  CSRF_SESSION_KEY,
  type FormAuthenticityTokenOptions,
  type ValidAuthenticityTokenOptions,
  type FormOptions,
} from "./rails/csrf.js";
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
