/**
 * `CookieJar`: Rails' `cookies.encrypted` and `cookies.signed`, for Node.
 *
 * A jar is built once per app configuration (keys are derived in the constructor, never per
 * request). Reading runs the layers bottom-up:
 *
 *   cookie string → unescape (src/cookie) → open with the first scheme that authenticates
 *   (src/schemes, src/crypto) → take off the `_rails` envelope, check purpose and expiry
 *   (src/envelope) → deserialize (src/serializers) → value
 *
 * and writing runs them top-down with the primary scheme. The session cookie is the encrypted
 * jar under the session key, as in Rails' `CookieStore` (`cookie_jar.signed_or_encrypted`).
 */
import { escapeCookieValue, unescapeCookieValue } from "./cookie/escape.js";
import { resolveConfig, type CookieJarOptions, type ResolvedConfig } from "./config.js";
import { checkMetadata, unwrap, wrap } from "./envelope/metadata.js";
import {
  CookieFormatError,
  CookieOverflowError,
  RailsCookieError,
  TooLargeError,
} from "./errors.js";
import { deserialize, serialize, type SerializerFormat } from "./serializers/index.js";
import { encryptedSchemes, keyGeneratorCache, signedSchemes, type Scheme, type SchemeSource } from "./schemes.js";

/** `ActionDispatch::Cookies::MAX_COOKIE_SIZE`. */
export const MAX_COOKIE_SIZE = 4096;

/**
 * Longest raw input we look at. A Rails cookie is at most 4096 bytes before escaping and escaping at
 * most triples it; anything longer cannot be a Rails cookie and is refused before any work.
 */
export const MAX_INPUT_LENGTH = 3 * MAX_COOKIE_SIZE;

/** Where `CookieCodec#serialize` stops writing: far past anything that fits a cookie, far below a blocked event loop. */
const MAX_SERIALIZED_BYTES = 3 * MAX_COOKIE_SIZE;

export interface DecodedCookie {
  /** What Rails' `cookies.encrypted[name]` / `cookies.signed[name]` returns. */
  value: unknown;
  /** The envelope's `pur`, or null. */
  purpose: string | null;
  /** The envelope's `exp`, or null when it does not expire server-side. */
  expiresAt: Date | null;
  /** How the cookie was protected and which of the jar's schemes opened it. */
  scheme: {
    protection: string;
    keyDerivation: Scheme["keyDerivation"];
    source: SchemeSource;
    rotationIndex?: number;
    serializer: SerializerFormat;
    enveloped: boolean;
  };
  /** Rails would write this cookie again in the primary format (read through a rotation or fallback, or in a foreign serialization). */
  needsRewrite: boolean;
  /** The serialized bytes inside the cookie (after the envelope), as Rails wrote them. */
  payload: Buffer;
}

export interface SetOptions {
  /** Server-side expiry put in the envelope: a Date, or seconds from now (Rails' `expires: 1.hour`). */
  expires?: Date | number | null;
}

/** One of the jar's two faces: `jar.encrypted` or `jar.signed`. */
export class CookieCodec {
  readonly kind: "encrypted" | "signed";
  readonly #config: ResolvedConfig;
  readonly #schemes: Scheme[];

  /** @internal Built by `CookieJar`. */
  constructor(kind: "encrypted" | "signed", config: ResolvedConfig, schemes: Scheme[]) {
    this.kind = kind;
    this.#config = config;
    this.#schemes = schemes;
  }

  /** The schemes tried when reading, in order; the first one writes. */
  get schemes(): readonly Scheme[] {
    return this.#schemes;
  }

  /**
   * Reads a cookie the way Rails does and says how. `raw` may be URL-escaped (as in a `Cookie`
   * header) or not. Throws a `RailsCookieError` whose `code` says why it cannot be read.
   */
  decode(name: string, raw: string): DecodedCookie {
    if (typeof raw !== "string" || raw.length === 0) throw new CookieFormatError("empty cookie");
    if (raw.length > MAX_INPUT_LENGTH) throw new TooLargeError(`cookie is ${raw.length} characters, more than Rails ever writes`);
    const value = unescapeCookieValue(raw);
    const config = this.#config;

    let plaintext: Buffer | undefined;
    let opened: Scheme | undefined;
    let firstError: RailsCookieError | undefined;
    for (const scheme of this.#schemes) {
      try {
        plaintext = scheme.open(value);
        opened = scheme;
        break;
      } catch (error) {
        if (!(error instanceof RailsCookieError)) throw error;
        // Report the primary's reason: it is the most specific (format before signature).
        firstError ??= error;
      }
    }
    if (plaintext === undefined || opened === undefined) throw firstError ?? new CookieFormatError("no scheme to read with");

    // Rails 3 secret_token cookies predate the envelope.
    const unwrapped = unwrap(plaintext, opened.source === "secret_token" ? 0 : config.railsVersion);
    checkMetadata(unwrapped, { purpose: `cookie.${name}`, now: config.now(), railsVersion: config.railsVersion });
    const result = deserialize(unwrapped.message, config.cookiesSerializer, config.railsVersion);

    return {
      value: result.value,
      purpose: unwrapped.purpose,
      expiresAt: unwrapped.expiresAt,
      scheme: {
        protection: opened.protection,
        keyDerivation: opened.keyDerivation,
        source: opened.source,
        ...(opened.rotationIndex === undefined ? {} : { rotationIndex: opened.rotationIndex }),
        serializer: result.format,
        enveloped: unwrapped.enveloped,
      },
      needsRewrite: opened.source !== "primary" || result.needsRewrite,
      payload: unwrapped.message,
    };
  }

  /** What Rails' `cookies.encrypted[name]` / `cookies.signed[name]` returns: the value, or `null` where Rails gives nil. */
  get(name: string, raw: string | undefined | null): unknown {
    if (typeof raw !== "string") return null;
    try {
      return this.decode(name, raw).value;
    } catch (error) {
      if (error instanceof RailsCookieError) return null;
      throw error;
    }
  }

  /**
   * The cookie value exactly as Rails puts it in `Set-Cookie` (URL-escaped), written with the
   * primary scheme. Throws `CookieOverflowError` beyond 4096 bytes, like Rails' `CookieOverflow`.
   */
  set(name: string, value: unknown, options: SetOptions = {}): string {
    return this.setSerialized(name, this.serialize(name, value), options);
  }

  /**
   * `value` in this jar's format, for `setSerialized`. Sealing only adds to the bytes, so nothing
   * past 4096 fits a cookie; the writer stops at three times that (up to there `setSerialized`
   * reports the sealed size as Rails does), so a value that shares objects (a Marshal DAG rewritten
   * as JSON or MessagePack) cannot make it write for long. Throws `CookieOverflowError` there,
   * `UnserializableError` for what the format cannot hold.
   */
  serialize(name: string, value: unknown): Uint8Array {
    try {
      return serialize(value, this.#config.cookiesSerializer, { maxBytes: MAX_SERIALIZED_BYTES });
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
      throw new CookieOverflowError(name, MAX_SERIALIZED_BYTES + 1, `${name} cookie overflowed: its value is more than ${MAX_SERIALIZED_BYTES} bytes once serialized (${error.message})`);
    }
  }

  /**
   * `set` for bytes already serialized in this jar's format (`codec.serialize(name, value)`): for callers that serialize anyway, like the session store, which
   * compares those bytes with the `payload` it read to see whether anything changed.
   */
  setSerialized(name: string, serialized: Uint8Array, options: SetOptions = {}): string {
    const config = this.#config;
    const expiresAt = resolveExpiry(options.expires, config.now);

    // When the envelope is written (AbstractCookieJar#commit, spec §4.1).
    const version = config.railsVersion;
    const enveloped =
      version >= 6.0
        ? expiresAt !== null || config.useCookiesWithMetadata
        : version >= 5.2 && config.useAuthenticatedCookieEncryption && expiresAt !== null;
    const plaintext = enveloped
      ? wrap(serialized, { expiresAt, purpose: version >= 6.0 && config.useCookiesWithMetadata ? `cookie.${name}` : null })
      : serialized;

    const sealed = this.#schemes[0]!.seal(plaintext);
    // 4.2–8.0 count the value only; 8.1 counts name and value (cookies.rb `check_for_overflow!`).
    const size = Buffer.byteLength(sealed) + (version >= 8.1 ? Buffer.byteLength(name) : 0);
    if (size > MAX_COOKIE_SIZE) throw new CookieOverflowError(name, size);
    return escapeSealed(sealed);
  }
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

/**
 * A Rails app's cookie jar, from its `secret_key_base` and settings.
 *
 * ```ts
 * const jar = new CookieJar({ secretKeyBase: process.env.SECRET_KEY_BASE!, loadDefaults: "7.1" });
 * const session = jar.encrypted.get("_myapp_session", req.cookies._myapp_session);
 * ```
 */
export class CookieJar {
  /** `cookies.encrypted`; also the session cookie (under the session key). */
  readonly encrypted: CookieCodec;
  /** `cookies.signed`. */
  readonly signed: CookieCodec;
  /** Every setting as the jar resolved it. */
  readonly config: ResolvedConfig;

  constructor(options: CookieJarOptions) {
    this.config = resolveConfig(options);
    const keyGenerators = keyGeneratorCache();
    this.encrypted = new CookieCodec("encrypted", this.config, encryptedSchemes(this.config, keyGenerators));
    this.signed = new CookieCodec("signed", this.config, signedSchemes(this.config, keyGenerators));
  }

  /**
   * The jar Rails' `CookieStore` keeps the session in (`signed_or_encrypted`): encrypted when there is
   * a `secret_key_base`, signed for a 4.2–5.2 app that only has a Rails 3 `secret_token`.
   */
  get session(): CookieCodec {
    return this.config.secretKeyBase === null ? this.signed : this.encrypted;
  }
}
