/**
 * The crypto backend behind `createCookieJar`, the runtime seam of the scheme layer (as
 * `panva/jose` has one per runtime): this module is the Node one, node:crypto's synchronous schemes
 * (faster on Node than Web Crypto, measured in bench/edge.ts, docs/edge.md). The edge build
 * (tsup.config.ts) resolves this path to ./web.ts, the Web Crypto backend.
 */
import type { SchemeBackend } from "../asyncJar.js";
import { encryptedSchemes, keyGeneratorCache, signedSchemes } from "../crypto/schemes.js";

export const backend: SchemeBackend = (config) => {
  const kg = keyGeneratorCache();
  return { encrypted: encryptedSchemes(config, kg), signed: signedSchemes(config, kg) };
};

export const backendName = "node:crypto";
