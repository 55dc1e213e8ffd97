export { KeyGenerator, RAILS_KEY_ITERATIONS, type KeyGeneratorHashDigestClass } from "./keyGenerator.js";
export { generateSigned, verifySigned, splitSigned, type MessageDigest, type VerifierKey } from "./messageVerifier.js";
export {
  encryptGcm,
  decryptGcm,
  encryptCbc,
  decryptCbc,
  keyLength,
  type GcmCipher,
  type GcmKey,
  type CbcKey,
} from "./messageEncryptor.js";
export { strictDecode64, strictEncode64 } from "./base64.js";
export { secureCompare } from "./secureCompare.js";
