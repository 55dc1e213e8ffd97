/**
 * `ActiveSupport::KeyGenerator` / `CachingKeyGenerator` on Web Crypto
 * (activesupport/lib/active_support/key_generator.rb): PBKDF2-HMAC (SHA1 up to 6.1,
 * `key_generator_hash_digest_class` from 7.0) with 1000 iterations, each derived key computed
 * once and cached, as src/crypto/keyGenerator.ts does on node:crypto.
 */
import { RAILS_KEY_ITERATIONS, type KeyGeneratorHashDigestClass } from "../crypto/formats.js";
import { utf8Bytes } from "../bytes/index.js";
import { source, subtle, type CryptoKey } from "./subtle.js";

export class KeyGenerator {
  readonly #password: Promise<CryptoKey>;
  readonly #iterations: number;
  readonly #hash: string;
  readonly #cache = new Map<string, Promise<Uint8Array>>();

  constructor(secret: string | Uint8Array, options: { iterations?: number; hashDigestClass?: KeyGeneratorHashDigestClass } = {}) {
    const bytes = typeof secret === "string" ? utf8Bytes(secret) : secret;
    this.#password = subtle.importKey("raw", source(bytes), "PBKDF2", false, ["deriveBits"]);
    this.#iterations = options.iterations ?? RAILS_KEY_ITERATIONS;
    this.#hash = (options.hashDigestClass ?? "SHA1") === "SHA256" ? "SHA-256" : "SHA-1";
  }

  /** `generate_key(salt, key_size = 64)`, memoised like `CachingKeyGenerator`. */
  generateKey(salt: string, keySize = 64): Promise<Uint8Array> {
    const cacheKey = `${keySize}|${salt}`;
    let key = this.#cache.get(cacheKey);
    if (key === undefined) {
      key = this.#password.then(async (password) => {
        const params = { name: "PBKDF2", salt: source(utf8Bytes(salt)), iterations: this.#iterations, hash: this.#hash };
        return new Uint8Array(await subtle.deriveBits(params, password, keySize * 8));
      });
      this.#cache.set(cacheKey, key);
    }
    return key;
  }
}
