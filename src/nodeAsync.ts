/**
 * `createCookieJar` of the Node build: the async API of the edge build (src/edge.ts), so one code
 * base runs on both, but backed by the synchronous node:crypto schemes, which bench/edge.ts
 * measures as faster than Web Crypto on Node (docs/edge.md).
 */
import type { CookieJarOptions } from "./config.js";
import { AsyncCookieJar, createCookieJarWith } from "./asyncJar.js";
import { encryptedSchemes, keyGeneratorCache, signedSchemes } from "./crypto/schemes.js";

export { AsyncCookieJar, AsyncCookieCodec } from "./asyncJar.js";

/** Builds an app's cookie jar with the async API; every key is derived (PBKDF2) here, once. */
export function createCookieJar(options: CookieJarOptions): Promise<AsyncCookieJar> {
  return createCookieJarWith(options, (config) => {
    const kg = keyGeneratorCache();
    return { encrypted: encryptedSchemes(config, kg), signed: signedSchemes(config, kg) };
  });
}
