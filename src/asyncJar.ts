/**
 * The asynchronous cookie jar: `await createCookieJar(options)`, then `await jar.encrypted.get(...)`.
 *
 * It is `CookieJar` (src/jar.ts) with schemes whose crypto may be asynchronous, which is what Web
 * Crypto is: everything above the crypto layer (escaping, the `_rails` envelope, purpose and
 * expiry, serializers, presets, rotations and fallback order) is the very same code, through
 * `cookieValueOf` / `openedCookie` / `plaintextToSeal` / `sealedCookie` and src/schemes.ts. Only
 * the loop over the schemes awaits. Which schemes it gets is the runtime's choice (src/backend,
 * docs/edge.md): Web Crypto in the edge build, the synchronous node:crypto ones on Node, where
 * they are faster.
 */
import { resolveConfig, type CookieJarOptions, type ResolvedConfig } from "./config.js";
import { CookieFormatError, RailsCookieError } from "./errors.js";
import { cookieValueOf, openedCookie, plaintextToSeal, sealedCookie, serializeForCookie, type DecodedCookie, type SetOptions } from "./cookieJarCore.js";
import type { AsyncScheme } from "./schemes.js";
import { withSerializers } from "./serializers/lazy.js";
import { backend } from "./backend/index.js";

/** `jar.encrypted` or `jar.signed` of an async jar: `CookieCodec`'s methods, returning promises. */
export class AsyncCookieCodec {
  readonly kind: "encrypted" | "signed";
  readonly #config: ResolvedConfig;
  readonly #schemes: AsyncScheme[];

  /** @internal Built by `createCookieJar`. */
  constructor(kind: "encrypted" | "signed", config: ResolvedConfig, schemes: AsyncScheme[]) {
    this.kind = kind;
    this.#config = config;
    this.#schemes = schemes;
  }

  /** The schemes tried when reading, in order; the first one writes. */
  get schemes(): readonly AsyncScheme[] {
    return this.#schemes;
  }

  /** `CookieCodec#decode`: the value and how it was read, or a rejected `RailsCookieError`. */
  async decode<T = unknown>(name: string, raw: string): Promise<DecodedCookie<T>> {
    const value = cookieValueOf(raw);
    let firstError: RailsCookieError | undefined;
    for (const scheme of this.#schemes) {
      let plaintext: Uint8Array;
      try {
        plaintext = await scheme.open(value);
      } catch (error) {
        if (!(error instanceof RailsCookieError)) throw error;
        // Report the primary's reason: it is the most specific (format before signature).
        firstError ??= error;
        continue;
      }
      // Marshal/MessagePack are imported on first use in the edge build (src/serializers/lazy.ts).
      return withSerializers(() => openedCookie(this.#config, name, plaintext, scheme) as DecodedCookie<T>);
    }
    throw firstError ?? new CookieFormatError("no scheme to read with");
  }

  /** `CookieCodec#get`: the value, or `null` where Rails gives nil (`get<RailsSessionData>` for a session). */
  async get<T = unknown>(name: string, raw: string | undefined | null): Promise<T | null> {
    if (typeof raw !== "string") return null;
    try {
      return (await this.decode<T>(name, raw)).value;
    } catch (error) {
      if (error instanceof RailsCookieError) return null;
      throw error;
    }
  }

  /** `CookieCodec#set`: the escaped `Set-Cookie` value, written with the primary scheme. */
  set(name: string, value: unknown, options: SetOptions = {}): Promise<string> {
    // serialize() throws synchronously for an unwritable value; the caller sees a rejection either way.
    return this.#seal(name, () => serializeForCookie(this.#config, name, value), options);
  }

  /** `CookieCodec#setSerialized`. */
  setSerialized(name: string, serialized: Uint8Array, options: SetOptions = {}): Promise<string> {
    return this.#seal(name, () => serialized, options);
  }

  async #seal(name: string, bytes: () => Uint8Array, options: SetOptions): Promise<string> {
    const plaintext = plaintextToSeal(this.#config, name, await withSerializers(bytes), options);
    return sealedCookie(this.#config, name, await this.#schemes[0]!.seal(plaintext));
  }
}

/** What `createCookieJar` resolves to: `CookieJar`'s shape with async codecs. */
export class AsyncCookieJar {
  readonly encrypted: AsyncCookieCodec;
  readonly signed: AsyncCookieCodec;
  readonly config: ResolvedConfig;

  /** @internal Use `createCookieJar`. */
  constructor(config: ResolvedConfig, schemes: { encrypted: AsyncScheme[]; signed: AsyncScheme[] }) {
    this.config = config;
    this.encrypted = new AsyncCookieCodec("encrypted", config, schemes.encrypted);
    this.signed = new AsyncCookieCodec("signed", config, schemes.signed);
  }

  /** `signed_or_encrypted`, as `CookieJar#session`. */
  get session(): AsyncCookieCodec {
    return this.config.secretKeyBase === null ? this.signed : this.encrypted;
  }
}

/** The runtime's crypto backend: the schemes of a resolved config, keys derived. */
export type SchemeBackend = (config: ResolvedConfig) => Promise<{ encrypted: AsyncScheme[]; signed: AsyncScheme[] }> | { encrypted: AsyncScheme[]; signed: AsyncScheme[] };

/** `createCookieJar` with a given backend (tests and bench/edge.ts compare the two). */
export async function createCookieJarWith(options: CookieJarOptions, schemes: SchemeBackend): Promise<AsyncCookieJar> {
  const config = resolveConfig(options);
  return new AsyncCookieJar(config, await schemes(config));
}

/**
 * Builds an app's cookie jar with the async API; every key is derived (PBKDF2) here, once. On the
 * edge build the crypto is Web Crypto's, on Node node:crypto's (src/backend).
 *
 * ```ts
 * const jar = await createCookieJar({ secretKeyBase: env.SECRET_KEY_BASE, loadDefaults: "7.1" });
 * const session = await jar.session.get("_myapp_session", cookies.get("_myapp_session"));
 * ```
 */
export function createCookieJar(options: CookieJarOptions): Promise<AsyncCookieJar> {
  return createCookieJarWith(options, backend);
}
