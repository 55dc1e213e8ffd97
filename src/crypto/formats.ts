/**
 * The wire formats of `MessageVerifier` and `MessageEncryptor` as cookies carry them, without any
 * cryptography: the parts of a message and their lengths. Both crypto backends (node:crypto here in
 * src/crypto/, Web Crypto in src/webcrypto/) parse with these, so a shape is accepted or refused
 * identically everywhere. (activesupport/lib/active_support/message_verifier.rb,
 * message_encryptor.rb; spec §5.1, §5.2, §6.)
 */
import { CookieFormatError } from "../errors.js";
import { strictDecode64 } from "../bytes/index.js";

/** Digests Rails accepts for `signed_cookie_digest` / `cookies_digest` (any OpenSSL name works in Ruby). */
export type MessageDigest = "SHA1" | "SHA256" | "SHA384" | "SHA512" | "MD5";

/** `key_generator_hash_digest_class`: the PBKDF2 PRF. */
export type KeyGeneratorHashDigestClass = "SHA1" | "SHA256";

/** The iteration count of `Rails.application.key_generator` in every version 4.2–8.x. */
export const RAILS_KEY_ITERATIONS = 1000;

/** Ciphers Rails accepts for `encrypted_cookie_cipher`; credentials use aes-128-gcm. */
export type GcmCipher = "aes-256-gcm" | "aes-128-gcm";

export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;
export const CBC_IV_LENGTH = 16;

/** `MessageEncryptor.key_len(cipher)`. */
export function keyLength(cipher: GcmCipher | "aes-256-cbc"): number {
  return cipher === "aes-128-gcm" ? 16 : 32;
}

const HEX_LENGTH: Record<MessageDigest, number> = { MD5: 32, SHA1: 40, SHA256: 64, SHA384: 96, SHA512: 128 };

/**
 * Splits `data--hexdigest` without checking the MAC; throws `CookieFormatError` when the shape is
 * wrong. Rails 7.0+ parsing: the digest is the last `2 × digest size` characters and `--` stands
 * right before it.
 */
export function splitSigned(value: string, digest: MessageDigest): { data: string; mac: string } {
  const parts = splitSignedShape(value, digest);
  checkHexDigest(parts.mac);
  return parts;
}

/**
 * `splitSigned` without the hex check, for a verifier that compares the MAC first: a digest equal
 * to the lower-case hex HMAC is lower-case hex, so only a mismatch needs `checkHexDigest` to tell
 * a malformed digest (`CookieFormatError`) from a wrong one, and the refusal is the same.
 */
export function splitSignedShape(value: string, digest: MessageDigest): { data: string; mac: string } {
  const hexLength = HEX_LENGTH[digest];
  const dataEnd = value.length - hexLength - 2;
  if (dataEnd < 1 || value.charCodeAt(dataEnd) !== 0x2d || value.charCodeAt(dataEnd + 1) !== 0x2d) {
    throw new CookieFormatError(`not a signed message (data--${digest} hex digest)`);
  }
  return { data: value.slice(0, dataEnd), mac: value.slice(dataEnd + 2) };
}

/** Throws `CookieFormatError` unless `mac` is lower-case hex (what Rails' hexdigest writes). */
export function checkHexDigest(mac: string): void {
  if (!/^[0-9a-f]+$/.test(mac)) throw new CookieFormatError("digest is not lower-case hex");
}

/**
 * `ciphertext--iv--tag`, each strict base64, with a 12-byte IV and a 16-byte tag: what both the
 * ≤ 7.0 `split("--")` parser and the 7.1+ parse-from-the-end parser accept from any Rails writer.
 */
export function splitGcm(value: string): { ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array } {
  const parts = value.split("--");
  if (parts.length !== 3) throw new CookieFormatError("not an AES-GCM message (ciphertext--iv--tag)");
  const ciphertext = strictDecode64(parts[0]!, "ciphertext");
  const iv = strictDecode64(parts[1]!, "iv");
  const tag = strictDecode64(parts[2]!, "auth tag");
  if (iv.length !== GCM_IV_LENGTH || tag.length !== GCM_TAG_LENGTH) {
    throw new CookieFormatError("AES-GCM iv or auth tag has the wrong length");
  }
  return { ciphertext, iv, tag };
}

/** The verified inner text of a CBC message: `ciphertext--iv` with a 16-byte IV. */
export function splitCbc(inner: string): { ciphertext: Uint8Array; iv: Uint8Array } {
  const parts = inner.split("--");
  if (parts.length !== 2) throw new CookieFormatError("not an AES-CBC message (ciphertext--iv)");
  const ciphertext = strictDecode64(parts[0]!, "ciphertext");
  const iv = strictDecode64(parts[1]!, "iv");
  if (iv.length !== CBC_IV_LENGTH) throw new CookieFormatError("AES-CBC iv has the wrong length");
  return { ciphertext, iv };
}
