/**
 * The public API both builds share: the async jar, settings, errors, Ruby value types, the cookie
 * string layer, flash and Devise helpers. src/index.ts (Node) and src/edge.ts (Web runtimes)
 * re-export it and add what only their runtime has.
 */
export { createCookieJar, AsyncCookieJar, AsyncCookieCodec } from "./asyncJar.js";
export { MAX_COOKIE_SIZE, type DecodedCookie, type RailsSessionData, type SetOptions } from "./cookieJarCore.js";
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
export type { AsyncScheme, SchemeInfo, SchemeSource } from "./schemes.js";
export { readFlash, consumeFlash, setFlash, keepFlash, writeFlash, FLASH_SESSION_KEY, type Flashes } from "./rails/flash.js";
export { wardenUser, setWardenUser, clearWardenUser, wardenKeyFor, type WardenUser } from "./rails/warden.js";
