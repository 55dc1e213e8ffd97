/**
 * `ActiveSupport::MessageEncryptor` as cookies use it
 * (activesupport/lib/active_support/message_encryptor.rb; spec §5.1, §5.2).
 *
 * AES-GCM ("authenticated encrypted", Rails 5.2+):
 *     value = b64(ciphertext) + "--" + b64(iv: 12 bytes) + "--" + b64(auth tag: 16 bytes), AAD ""
 * AES-256-CBC + HMAC (Rails ≤ 5.1, and a fallback read by every later version):
 *     inner = b64(ciphertext) + "--" + b64(iv: 16 bytes)
 *     value = MessageVerifier(sign secret, digest).generate(inner)   # base64 again, then HMAC
 */
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from "node:crypto";
import { DecryptionError } from "../errors.js";
import { strictEncode64 } from "./base64.js";
import { CBC_IV_LENGTH, GCM_IV_LENGTH, splitCbc, splitGcm, type GcmCipher, type MessageDigest } from "./formats.js";
import { generateSigned, verifySigned } from "./messageVerifier.js";

export { CBC_IV_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH, keyLength, type GcmCipher } from "./formats.js";

/**
 * A key as bytes, or as a node:crypto `KeyObject` made once from them (what src/crypto/schemes.ts
 * binds a jar's schemes to): node:crypto then does not re-import the key bytes on every cipher and
 * HMAC it creates, ~0.4 µs per cookie (docs/bench.md).
 */
export type SecretKey = Uint8Array | KeyObject;

export interface GcmKey {
  cipher: GcmCipher;
  secret: SecretKey;
}

export interface CbcKey {
  /** 32-byte AES key (salt `encrypted cookie`). */
  secret: SecretKey;
  /** 64-byte HMAC key (salt `signed encrypted cookie`). */
  signSecret: SecretKey;
  /** SHA1 for the primary CBC encryptor from 5.2; `cookies_digest || "SHA1"` otherwise. */
  digest: MessageDigest;
}

// IVs are cut from a pool of CSPRNG bytes filled 4 KiB at a time (as node:crypto's randomUUID
// caches its entropy): one `randomBytes(12)` per cookie was a third of a GCM seal (docs/bench.md).
// Each IV is a view of bytes never handed out before; a used-up pool is replaced, never refilled
// in place, so an IV a caller still holds can never change or repeat.
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;
function randomIv(length: number): Uint8Array {
  if (poolOffset + length > pool.length) {
    pool = randomFillSync(new Uint8Array(POOL_SIZE));
    poolOffset = 0;
  }
  const iv = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return iv;
}

/** `encrypt_and_sign` in GCM mode. `iv` is only for reproducing a known vector. */
export function encryptGcm(plaintext: Uint8Array, key: GcmKey, iv: Uint8Array = randomIv(GCM_IV_LENGTH)): string {
  // Rails sets `auth_data = ""`; an empty AAD adds nothing to GHASH, so it is not passed at all
  // (a measurable share of a cookie write, docs/bench.md). The tag is GCM's default 16 bytes.
  const cipher = createCipheriv(key.cipher, key.secret, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${strictEncode64(ciphertext)}--${strictEncode64(iv)}--${strictEncode64(cipher.getAuthTag())}`;
}

/** `decrypt_and_verify` in GCM mode (the shape is checked by `splitGcm`, src/crypto/formats.ts). */
export function decryptGcm(value: string, key: GcmKey): Buffer {
  const { ciphertext, iv, tag } = splitGcm(value);
  // The tag is 16 bytes (checked above), so `authTagLength` adds no check; the empty AAD Rails
  // authenticates is the same as none (see encryptGcm).
  const decipher = createDecipheriv(key.cipher, key.secret, iv);
  decipher.setAuthTag(tag);
  try {
    const plaintext = decipher.update(ciphertext);
    // GCM is a stream mode: `final` only checks the tag and returns no bytes, so no copy to join them.
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch (cause) {
    throw new DecryptionError(undefined, { cause });
  }
}

/** `encrypt_and_sign` in CBC mode. */
export function encryptCbc(plaintext: Uint8Array, key: CbcKey, iv: Uint8Array = randomIv(CBC_IV_LENGTH)): string {
  const cipher = createCipheriv("aes-256-cbc", key.secret, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const inner = `${strictEncode64(ciphertext)}--${strictEncode64(iv)}`;
  return generateSigned(Buffer.from(inner, "latin1"), { secret: key.signSecret, digest: key.digest });
}

/** `decrypt_and_verify` in CBC mode: the HMAC is checked (constant time) before anything is decrypted. */
export function decryptCbc(value: string, key: CbcKey): Buffer {
  const inner = verifySigned(value, { secret: key.signSecret, digest: key.digest }).toString("latin1");
  const { ciphertext, iv } = splitCbc(inner);
  try {
    const decipher = createDecipheriv("aes-256-cbc", key.secret, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    // Only reachable with the right MAC key and a wrong cipher key (bad salt or rotation).
    throw new DecryptionError("AES-CBC decryption failed", { cause });
  }
}
