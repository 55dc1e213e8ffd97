/**
 * `ActiveSupport::MessageVerifier` as cookies use it (activesupport/lib/active_support/message_verifier.rb):
 *
 *     value = strict_base64(data) + "--" + lowercase_hex(HMAC(digest, secret, strict_base64(data)))
 *
 * Signed cookies (`cookies.signed`) are exactly this; CBC-encrypted cookies wrap their ciphertext in
 * it. Cookies never set `url_safe`, so only the standard padded alphabet is produced. Parsing follows
 * Rails 7.0+: the digest is the last `2 × digest size` characters and `--` stands right before it.
 */
import { createHmac, type KeyObject } from "node:crypto";
import { InvalidSignatureError } from "../errors.js";
import { strictDecode64, strictEncode64 } from "./base64.js";
import { checkHexDigest, splitSignedShape, type MessageDigest } from "./formats.js";
import { secureCompare } from "./secureCompare.js";

export { splitSigned, type MessageDigest } from "./formats.js";

export interface VerifierKey {
  /** The HMAC key: 64 bytes derived from the salt, or a Rails 3 `secret_token` itself (or a KeyObject of them). */
  secret: Uint8Array | KeyObject;
  digest: MessageDigest;
}

// OpenSSL names are case-insensitive; node:crypto looks the lower-case one up fastest.
const HMAC_NAMES: Record<MessageDigest, string> = { SHA1: "sha1", SHA256: "sha256", SHA384: "sha384", SHA512: "sha512", MD5: "md5" };

function hmacHex(key: VerifierKey, data: string): string {
  return createHmac(HMAC_NAMES[key.digest] ?? key.digest.toLowerCase(), key.secret).update(data, "latin1").digest("hex");
}

/** `MessageVerifier#generate` with a `NullSerializer`: signs bytes. */
export function generateSigned(payload: Uint8Array, key: VerifierKey): string {
  const data = strictEncode64(payload);
  return `${data}--${hmacHex(key, data)}`;
}

/**
 * `MessageVerifier#verified` with a `NullSerializer`: returns the signed bytes, or throws
 * `CookieFormatError` (shape) / `InvalidSignatureError` (MAC). The MAC is checked before the data is
 * decoded, in constant time.
 */
export function verifySigned(value: string, key: VerifierKey): Buffer {
  const { data, mac } = splitSignedShape(value, key.digest);
  const expected = hmacHex(key, data);
  // The digest's UTF-8 bytes, not a Latin-1 view: that would read U+0161 as "a", so a respelt
  // MAC would match. The hex check waits for a mismatch: a digest equal to the hex HMAC is hex.
  if (!secureCompare(Buffer.from(mac, "utf8"), Buffer.from(expected, "latin1"))) {
    checkHexDigest(mac);
    throw new InvalidSignatureError();
  }
  return strictDecode64(data, "signed data");
}
