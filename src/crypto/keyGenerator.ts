/**
 * `ActiveSupport::KeyGenerator` and `CachingKeyGenerator`
 * (activesupport/lib/active_support/key_generator.rb).
 *
 * PBKDF2-HMAC over `secret_key_base` with the salt as password salt. The Rails application key
 * generator always uses 1000 iterations (railties/lib/rails/application.rb `#key_generator`);
 * the PRF is SHA1 up to 6.1 and `key_generator_hash_digest_class` from 7.0 (SHA256 with
 * `load_defaults "7.0"`). PBKDF2 is slow on purpose, so every derived key is computed once per
 * generator and cached: never on the request path.
 */
import { pbkdf2Sync } from "node:crypto";
import { RAILS_KEY_ITERATIONS, type KeyGeneratorHashDigestClass } from "./formats.js";

export { RAILS_KEY_ITERATIONS, type KeyGeneratorHashDigestClass } from "./formats.js";

export class KeyGenerator {
  readonly #secret: Buffer;
  readonly #iterations: number;
  readonly #digest: string;
  readonly #cache = new Map<string, Buffer>();

  constructor(
    secret: string | Uint8Array,
    options: { iterations?: number; hashDigestClass?: KeyGeneratorHashDigestClass } = {},
  ) {
    this.#secret = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
    this.#iterations = options.iterations ?? RAILS_KEY_ITERATIONS;
    this.#digest = (options.hashDigestClass ?? "SHA1") === "SHA256" ? "sha256" : "sha1";
  }

  /** `generate_key(salt, key_size = 64)`, memoised like `CachingKeyGenerator`. */
  generateKey(salt: string, keySize = 64): Buffer {
    const cacheKey = `${keySize}|${salt}`;
    let key = this.#cache.get(cacheKey);
    if (key === undefined) {
      key = pbkdf2Sync(this.#secret, Buffer.from(salt, "utf8"), this.#iterations, keySize, this.#digest);
      this.#cache.set(cacheKey, key);
    }
    return key;
  }
}
