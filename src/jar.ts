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
import { resolveConfig, type CookieJarOptions, type ResolvedConfig } from "./config.js";
import { CookieFormatError, RailsCookieError } from "./errors.js";
import { encryptedSchemes, keyGeneratorCache, signedSchemes } from "./crypto/schemes.js";
import type { Scheme } from "./schemes.js";
import { VerifiedCache, type VerifiedEntry } from "./crypto/verifiedCache.js";
import type { Metadata } from "./envelope/metadata.js";
import {
  checkCookieMetadata,
  checkCookieText,
  cookieValueOf,
  openedCookie,
  plaintextToSeal,
  sealedCookie,
  serializeForCookie,
  type DecodedCookie,
  type SetOptions,
  valueOfPayload,
} from "./cookieJarCore.js";

export { MAX_COOKIE_SIZE, MAX_INPUT_LENGTH, type DecodedCookie, type RailsSessionData, type SetOptions } from "./cookieJarCore.js";

/** @internal What `CookieCodec.decodeShared` returns: shared with every read of the same cookie, never to be changed. */
export interface SharedRead<P> {
  /** `prepare(value, true)` of the cookie's value. */
  readonly value: P;
  /** The serialized bytes inside the cookie (after the envelope). */
  readonly payload: Uint8Array;
  /** As `DecodedCookie.needsRewrite`. */
  readonly needsRewrite: boolean;
  /** `prepare(value, false)` of a fresh deserialization of `payload`: a value of the caller's own. */
  copy(): P;
}

/** What a remembered cookie keeps for `decodeShared` (`VerifiedEntry.above`): the envelope's metadata, checked on every read, and the shared read. */
interface SharedAbove<P> {
  readonly prepare: (value: unknown, shared: boolean) => P;
  readonly metadata: Metadata;
  readonly read: SharedRead<P>;
}

/**
 * A `SharedRead` as a class, not an object literal with a `copy` closure: a closure made on every
 * first read was, under tsx's `keepNames` (how bench/ runs src/), a `__name` defineProperty per
 * uncached session read (~1.6 profiled µs, docs/bench.md); a method is made once.
 */
class SharedCookieRead<P> implements SharedRead<P> {
  readonly value: P;
  readonly payload: Uint8Array;
  readonly needsRewrite: boolean;
  readonly #config: ResolvedConfig;
  readonly #prepare: (value: unknown, shared: boolean) => P;

  constructor(config: ResolvedConfig, decoded: DecodedCookie, prepare: (value: unknown, shared: boolean) => P) {
    this.value = prepare(decoded.value, true);
    this.payload = decoded.payload;
    this.needsRewrite = decoded.needsRewrite;
    this.#config = config;
    this.#prepare = prepare;
  }

  copy(): P {
    return this.#prepare(valueOfPayload(this.#config, this.payload), false);
  }
}

/** One of the jar's two faces: `jar.encrypted` or `jar.signed`. */
export class CookieCodec {
  readonly kind: "encrypted" | "signed";
  readonly #config: ResolvedConfig;
  readonly #schemes: Scheme[];
  readonly #verified: VerifiedCache<Scheme> | null;

  /** @internal Built by `CookieJar`. */
  constructor(kind: "encrypted" | "signed", config: ResolvedConfig, schemes: Scheme[]) {
    this.kind = kind;
    this.#config = config;
    this.#schemes = schemes;
    this.#verified = config.verifiedCookieCache > 0 ? new VerifiedCache(config.verifiedCookieCache) : null;
  }

  /** How many authenticated cookies this codec remembers now (`verifiedCookieCache`; 0 without one). */
  get verifiedCookieCount(): number {
    return this.#verified?.size ?? 0;
  }

  /** The schemes tried when reading, in order; the first one writes. */
  get schemes(): readonly Scheme[] {
    return this.#schemes;
  }

  /**
   * Reads a cookie the way Rails does and says how. `raw` may be URL-escaped (as in a `Cookie`
   * header) or not. Throws a `RailsCookieError` whose `code` says why it cannot be read.
   */
  decode<T = unknown>(name: string, raw: string): DecodedCookie<T> {
    // The same text authenticated before (`verifiedCookieCache`): only unescaping and the crypto
    // are skipped; openedCookie checks purpose and expiry and deserializes as on a first read.
    const cache = this.#verified;
    if (cache === null) return this.#read(name, raw).decoded as DecodedCookie<T>;
    checkCookieText(raw);
    const cacheKey = VerifiedCache.keyOf(raw);
    const entry = cache.get(cacheKey);
    if (entry !== undefined) return openedCookie(this.#config, name, VerifiedCache.plaintextCopy(entry), entry.scheme) as DecodedCookie<T>;
    return this.#read(name, raw, cacheKey).decoded as DecodedCookie<T>;
  }

  /**
   * @internal For the session store (src/session/store.ts): `decode`, except that a cookie the
   * verified-cookie cache remembers skips the envelope and the deserialization as well as the
   * crypto, because what it returns is shared with every other read of the same cookie. It must
   * never be changed: `prepare(value, true)` runs once per remembered cookie (once per read without
   * a cache) and its result is handed out as it is; `copy()` gives a reader about to change the
   * value one of its own, `prepare(value, false)` of the payload deserialized again. The envelope's
   * purpose and expiry are checked on every read, as in `decode`.
   */
  decodeShared<P>(name: string, raw: string, prepare: (value: unknown, shared: boolean) => P): SharedRead<P> {
    const cache = this.#verified;
    if (cache === null) return this.#sharedRead(this.#read(name, raw).decoded, prepare).read;
    checkCookieText(raw);
    const cacheKey = VerifiedCache.keyOf(raw);
    let entry = cache.get(cacheKey);
    let decoded: DecodedCookie;
    if (entry === undefined) {
      const first = this.#read(name, raw, cacheKey);
      entry = first.entry!;
      decoded = first.decoded;
    } else {
      const above = entry.above as SharedAbove<P> | undefined;
      if (above !== undefined && above.prepare === prepare) {
        checkCookieMetadata(this.#config, name, above.metadata);
        return above.read;
      }
      decoded = openedCookie(this.#config, name, VerifiedCache.plaintextCopy(entry), entry.scheme);
    }
    const above = this.#sharedRead(decoded, prepare);
    entry.above = above;
    return above.read;
  }

  #sharedRead<P>(decoded: DecodedCookie, prepare: (value: unknown, shared: boolean) => P): SharedAbove<P> {
    const read = new SharedCookieRead(this.#config, decoded, prepare);
    return { prepare, metadata: { purpose: decoded.purpose, expiresAt: decoded.expiresAt }, read };
  }

  /** The read without the cache's help: the first scheme that authenticates, then the layers above; remembered under `cacheKey` once it read in full. */
  #read(name: string, raw: string, cacheKey?: string): { decoded: DecodedCookie; entry: VerifiedEntry<Scheme> | undefined } {
    const value = cookieValueOf(raw);

    let plaintext: Uint8Array | undefined;
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
    const decoded = openedCookie(this.#config, name, plaintext, opened);
    // Remembered only once it read in full: a cookie whose envelope or payload is refused is not.
    const entry = cacheKey === undefined ? undefined : this.#verified?.set(cacheKey, plaintext, opened);
    return { decoded, entry };
  }

  /**
   * What Rails' `cookies.encrypted[name]` / `cookies.signed[name]` returns: the value, or `null` where
   * Rails gives nil. `get<RailsSessionData>(…)` for a session; `T` is not checked at run time.
   */
  get<T = unknown>(name: string, raw: string | undefined | null): T | null {
    if (typeof raw !== "string") return null;
    try {
      return this.decode<T>(name, raw).value;
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

  /** `value` in this jar's format, bounded (`serializeForCookie` in src/cookieJarCore.ts), for `setSerialized`. */
  serialize(name: string, value: unknown): Uint8Array {
    return serializeForCookie(this.#config, name, value);
  }

  /**
   * `set` for bytes already serialized in this jar's format (`codec.serialize(name, value)`): for
   * callers that serialize anyway, like the session store, which compares those bytes with the
   * `payload` it read to see whether anything changed.
   */
  setSerialized(name: string, serialized: Uint8Array, options: SetOptions = {}): string {
    return sealedCookie(this.#config, name, this.#schemes[0]!.seal(plaintextToSeal(this.#config, name, serialized, options)));
  }
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
