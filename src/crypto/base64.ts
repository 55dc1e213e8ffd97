/**
 * Strict base64, as Ruby's `Base64.strict_decode64` (`unpack1("m0")`, ruby pack.c) reads it:
 * standard alphabet, `=` padding to a multiple of 4, no whitespace, and unused trailing bits zero.
 *
 * Node's `Buffer.from(s, "base64")` silently skips bad characters and ignores trailing bits, which
 * would let two different cookie strings decode to the same bytes. Rails rejects such strings, so
 * we do too: a changed character is never accepted.
 */
import { CookieFormatError } from "../errors.js";

const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** Decodes strict base64 or throws `CookieFormatError`. */
export function strictDecode64(text: string, what = "base64"): Buffer {
  if (!STRICT.test(text)) throw new CookieFormatError(`invalid ${what}`);
  return Buffer.from(text, "base64");
}

/** Strict base64 (RFC 4648 standard alphabet, padded, no line breaks), Ruby's `Base64.strict_encode64`. */
export function strictEncode64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
