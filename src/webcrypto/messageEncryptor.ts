/**
 * `ActiveSupport::MessageEncryptor` on Web Crypto (activesupport/lib/active_support/message_encryptor.rb;
 * spec §5.1, §5.2), the same wire format as src/crypto/messageEncryptor.ts and parsed by the same
 * `splitGcm` / `splitCbc` (src/crypto/formats.ts):
 *
 *   AES-GCM:  b64(ciphertext)--b64(iv: 12)--b64(tag: 16), AAD "" (Web Crypto appends the tag to
 *             the ciphertext; an empty AAD is the same as none)
 *   CBC+HMAC: MessageVerifier(sign secret, digest).generate(b64(ciphertext)--b64(iv: 16)), PKCS#7
 *             padding (OpenSSL's default and Web Crypto's only one)
 */
import { DecryptionError } from "../errors.js";
import { latin1Bytes, latin1String, strictEncode64 } from "../bytes/index.js";
import { CBC_IV_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH, splitCbc, splitGcm } from "../crypto/formats.js";
import { generateSigned, verifySigned, type WebVerifierKey } from "./messageVerifier.js";
import { randomBytes, source, subtle, type CryptoKey } from "./subtle.js";

export function importAesKey(secret: Uint8Array, name: "AES-GCM" | "AES-CBC"): Promise<CryptoKey> {
  return subtle.importKey("raw", source(secret), { name }, false, ["encrypt", "decrypt"]);
}

/** `encrypt_and_sign` in GCM mode. `iv` is only for reproducing a known vector. */
export async function encryptGcm(plaintext: Uint8Array, key: CryptoKey, iv: Uint8Array = randomBytes(GCM_IV_LENGTH)): Promise<string> {
  const sealed = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: source(iv), tagLength: 128 }, key, source(plaintext)));
  const ciphertext = sealed.subarray(0, sealed.length - GCM_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - GCM_TAG_LENGTH);
  return `${strictEncode64(ciphertext)}--${strictEncode64(iv)}--${strictEncode64(tag)}`;
}

/** `decrypt_and_verify` in GCM mode. */
export async function decryptGcm(value: string, key: CryptoKey): Promise<Uint8Array> {
  const { ciphertext, iv, tag } = splitGcm(value);
  const sealed = new Uint8Array(ciphertext.length + GCM_TAG_LENGTH);
  sealed.set(ciphertext);
  sealed.set(tag, ciphertext.length);
  try {
    return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: source(iv), tagLength: 128 }, key, sealed));
  } catch (cause) {
    throw new DecryptionError(undefined, { cause });
  }
}

export interface WebCbcKey {
  /** AES-256-CBC key (salt `encrypted cookie`). */
  key: CryptoKey;
  /** HMAC key (salt `signed encrypted cookie`) with its digest. */
  verifier: WebVerifierKey;
}

/** `encrypt_and_sign` in CBC mode. */
export async function encryptCbc(plaintext: Uint8Array, key: WebCbcKey, iv: Uint8Array = randomBytes(CBC_IV_LENGTH)): Promise<string> {
  const ciphertext = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv: source(iv) }, key.key, source(plaintext)));
  return generateSigned(latin1Bytes(`${strictEncode64(ciphertext)}--${strictEncode64(iv)}`), key.verifier);
}

/** `decrypt_and_verify` in CBC mode: the HMAC is checked (constant time) before anything is decrypted. */
export async function decryptCbc(value: string, key: WebCbcKey): Promise<Uint8Array> {
  const { ciphertext, iv } = splitCbc(latin1String(await verifySigned(value, key.verifier)));
  try {
    return new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: source(iv) }, key.key, source(ciphertext)));
  } catch (cause) {
    // Only reachable with the right MAC key and a wrong cipher key (bad salt or rotation).
    throw new DecryptionError("AES-CBC decryption failed", { cause });
  }
}
