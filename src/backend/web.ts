/** The Web Crypto backend behind `createCookieJar` in the edge build (see ./index.ts). */
import type { SchemeBackend } from "../asyncJar.js";
import { webCryptoSchemes } from "../webcrypto/schemes.js";

export const backend: SchemeBackend = webCryptoSchemes;

export const backendName = "webcrypto";
