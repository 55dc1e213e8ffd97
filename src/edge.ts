/**
 * rails-cookie-codec for Web-standard runtimes: Next.js middleware (the Edge runtime), Cloudflare
 * Workers, Deno, Bun, browsers. The package's `workerd`, `edge-light`, `deno`, `bun` and `browser`
 * export conditions resolve here (docs/edge.md).
 *
 * The same codec as the Node build (every preset, rotation, fallback, serializer and the envelope
 * are the same modules) on Web Crypto instead of node:crypto, so the jar is asynchronous:
 *
 * ```ts
 * const jar = await createCookieJar({ secretKeyBase: env.SECRET_KEY_BASE, loadDefaults: "7.1" });
 * const session = await jar.session.get("_myapp_session", cookies.get("_myapp_session"));
 * ```
 *
 * Nothing in this module graph imports `node:*` or uses `Buffer`: the build resolves the two seams,
 * src/bytes and src/backend, to their Web implementations (tsup.config.ts).
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
