/**
 * What both cookie jars share above the crypto layer: the synchronous `CookieJar` (src/jar.ts,
 * node:crypto) and the asynchronous one (src/asyncJar.ts, Web Crypto or node:crypto). Reading:
 *
 *   cookie string → unescape (src/cookie) → [the jar opens it with the first scheme that
 *   authenticates] → take off the `_rails` envelope, check purpose and expiry (src/envelope)
 *   → deserialize (src/serializers) → value
 *
 * and writing runs the same layers top-down with the primary scheme. Nothing here imports a
 * crypto backend, so the edge build can use it without node:crypto.
 */
import { escapeCookieValue, unescapeCookieValue } from "./cookie/escape.js";
import type { ResolvedConfig } from "./config.js";
import { checkMetadata, unwrap, wrap, type Metadata } from "./envelope/metadata.js";
import { CookieFormatError, CookieOverflowError, RailsCookieError, TooLargeError } from "./errors.js";
import { deserialize, serialize, type SerializerFormat } from "./serializers/index.js";
import type { SchemeInfo, SchemeSource } from "./schemes.js";
import { utf8Length } from "./bytes/index.js";

/** `ActionDispatch::Cookies::MAX_COOKIE_SIZE`. */
export const MAX_COOKIE_SIZE = 4096;

/**
 * Longest raw input we look at. A Rails cookie is at most 4096 bytes before escaping and escaping at
 * most triples it; anything longer cannot be a Rails cookie and is refused before any work.
 */
export const MAX_INPUT_LENGTH = 3 * MAX_COOKIE_SIZE;

/** Where serializing a cookie's value stops: far past anything that fits a cookie, far below a blocked event loop. */
const MAX_SERIALIZED_BYTES = 3 * MAX_COOKIE_SIZE;

/**
 * `value` in the jar's format, for sealing. Sealing only adds to the bytes, so nothing past 4096
 * fits a cookie; the writer stops at three times that (up to there the sealed size is reported as
 * Rails does), so a value that shares objects (a Marshal DAG rewritten as JSON or MessagePack)
 * cannot make it write for long. Throws `CookieOverflowError` there, `UnserializableError` for what
 * the format cannot hold.
 */
export function serializeForCookie(config: ResolvedConfig, name: string, value: unknown): Uint8Array {
  try {
    return serialize(value, config.cookiesSerializer, { maxBytes: MAX_SERIALIZED_BYTES });
  } catch (error) {
    if (!(error instanceof TooLargeError)) throw error;
    throw new CookieOverflowError(name, MAX_SERIALIZED_BYTES + 1, `${name} cookie overflowed: its value is more than ${MAX_SERIALIZED_BYTES} bytes once serialized (${error.message})`);
  }
}

/**
 * What a Rails session holds, as Node sees it: String keys (`session.to_hash`), values of any of the
 * Ruby types the serializer carries (README: "Ruby values"). Narrow a value before using it.
 */
export type RailsSessionData = Record<string, unknown>;

/**
 * A decoded cookie. `T` is what you know the cookie holds (`decode<RailsSessionData>(…)` for a
 * session): it is not checked at run time, just as `JSON.parse` is not.
 */
export interface DecodedCookie<T = unknown> {
  /** What Rails' `cookies.encrypted[name]` / `cookies.signed[name]` returns. */
  value: T;
  /** The envelope's `pur`, or null. */
  purpose: string | null;
  /** The envelope's `exp`, or null when it does not expire server-side. */
  expiresAt: Date | null;
  /** How the cookie was protected and which of the jar's schemes opened it. */
  scheme: {
    protection: string;
    keyDerivation: SchemeInfo["keyDerivation"];
    source: SchemeSource;
    rotationIndex?: number;
    serializer: SerializerFormat;
    enveloped: boolean;
  };
  /** Rails would write this cookie again in the primary format (read through a rotation or fallback, or in a foreign serialization). */
  needsRewrite: boolean;
  /** The serialized bytes inside the cookie (after the envelope), as Rails wrote them. */
  payload: Uint8Array;
}

export interface SetOptions {
  /** Server-side expiry put in the envelope: a Date, or seconds from now (Rails' `expires: 1.hour`). */
  expires?: Date | number | null;
}

/**
 * The raw cookie as the schemes read it: refuses what cannot be a Rails cookie before any work,
 * then undoes Rack's escaping. Shared with the async jar (src/asyncJar.ts), as are the three below.
 * @internal
 */
export function cookieValueOf(raw: string): string {
  checkCookieText(raw);
  return unescapeCookieValue(raw);
}

/** The checks of `cookieValueOf` before any work (the verified-cookie cache looks up only what passes them). @internal */
export function checkCookieText(raw: string): void {
  if (typeof raw !== "string" || raw.length === 0) throw new CookieFormatError("empty cookie");
  if (raw.length > MAX_INPUT_LENGTH) throw new TooLargeError(`cookie is ${raw.length} characters, more than Rails ever writes`);
}

/** Above the crypto layer: envelope, purpose and expiry, serializer, for the plaintext `opened` authenticated. @internal */
const NO_EXPIRY_CHECK = new Date(0);

function schemeOf(opened: SchemeInfo, serializer: SerializerFormat, enveloped: boolean): DecodedCookie["scheme"] {
  const scheme: DecodedCookie["scheme"] = {
    protection: opened.protection,
    keyDerivation: opened.keyDerivation,
    source: opened.source,
    serializer,
    enveloped,
  };
  if (opened.rotationIndex !== undefined) scheme.rotationIndex = opened.rotationIndex;
  return scheme;
}

export function openedCookie(config: ResolvedConfig, name: string, plaintext: Uint8Array, opened: SchemeInfo): DecodedCookie {

  // Rails 3 secret_token cookies predate the envelope.
  const unwrapped = unwrap(plaintext, opened.source === "secret_token" ? 0 : config.railsVersion);
  checkCookieMetadata(config, name, unwrapped);
  const result = deserialize(unwrapped.message, config.cookiesSerializer, config.railsVersion);

  return {
    value: result.value,
    purpose: unwrapped.purpose,
    expiresAt: unwrapped.expiresAt,
    scheme: schemeOf(opened, result.format, unwrapped.enveloped),
    needsRewrite: opened.source !== "primary" || result.needsRewrite,
    payload: unwrapped.message,
  };
}

/**
 * The envelope's purpose against the cookie's name and its expiry against `now`, on every read
 * (also a read the verified-cookie cache answers, src/jar.ts). @internal
 */
export function checkCookieMetadata(config: ResolvedConfig, name: string, metadata: Metadata): void {
  // The clock is read only for an envelope with an expiry (Rails' `Metadata#fresh?` reads
  // `Time.now` only then); `checkMetadata` looks at `now` only in that case.
  const now = metadata.expiresAt === null ? NO_EXPIRY_CHECK : config.now();
  checkMetadata(metadata, { purpose: `cookie.${name}`, now, railsVersion: config.railsVersion });
}

/**
 * The value of a payload that `openedCookie` has read once: the same bytes under the same jar
 * deserialize the same way, to values of their own. @internal
 */
export function valueOfPayload(config: ResolvedConfig, payload: Uint8Array): unknown {
  return deserialize(payload, config.cookiesSerializer, config.railsVersion).value;
}

/** The plaintext the primary scheme seals: the serialized bytes, in the `_rails` envelope when Rails writes one. @internal */
export function plaintextToSeal(config: ResolvedConfig, name: string, serialized: Uint8Array, options: SetOptions): Uint8Array {
  const expiresAt = resolveExpiry(options.expires, config.now);

  // When the envelope is written (AbstractCookieJar#commit, spec §4.1).
  const version = config.railsVersion;
  const enveloped =
    version >= 6.0
      ? expiresAt !== null || config.useCookiesWithMetadata
      : version >= 5.2 && config.useAuthenticatedCookieEncryption && expiresAt !== null;
  return enveloped
    ? wrap(serialized, { expiresAt, purpose: version >= 6.0 && config.useCookiesWithMetadata ? `cookie.${name}` : null })
    : serialized;
}

/** The sealed value as `Set-Cookie` carries it; throws `CookieOverflowError` beyond 4096 bytes. @internal */
export function sealedCookie(config: ResolvedConfig, name: string, sealed: string): string {
  // 4.2–8.0 count the value only; 8.1 counts name and value (cookies.rb `check_for_overflow!`).
  const size = utf8Length(sealed) + (config.railsVersion >= 8.1 ? utf8Length(name) : 0);
  if (size > MAX_COOKIE_SIZE) throw new CookieOverflowError(name, size);
  return escapeSealed(sealed);
}

// A sealed cookie is strict base64, `--` and lower-case hex: of its characters Rack's escape
// (`URI.encode_www_form_component`) changes only these three. Replacing them gives exactly what
// `escapeCookieValue` gives for that alphabet, without its byte-by-byte loop, which was 40% of the
// time of `set` on a Rails session (docs/bench.md). Any other string takes the general path.
// (Three literal replaceAll calls beat one regex replace with a callback.)
const SEALED_ALPHABET = /^[A-Za-z0-9+/=-]*$/;
function escapeSealed(sealed: string): string {
  if (!SEALED_ALPHABET.test(sealed)) return escapeCookieValue(sealed);
  return sealed.replaceAll("+", "%2B").replaceAll("/", "%2F").replaceAll("=", "%3D");
}

function resolveExpiry(expires: SetOptions["expires"], now: () => Date): Date | null {
  if (expires === undefined || expires === null) return null;
  if (expires instanceof Date) return expires;
  if (typeof expires === "number" && Number.isFinite(expires)) return new Date(now().getTime() + expires * 1000);
  throw new RailsCookieError("invalid_option", "expires must be a Date or a number of seconds");
}
