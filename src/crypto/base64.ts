/**
 * Strict base64, as Ruby's `Base64.strict_decode64` (`unpack1("m0")`, ruby pack.c) reads it:
 * standard alphabet, `=` padding to a multiple of 4, no whitespace, and unused trailing bits zero.
 *
 * Node's `Buffer.from(s, "base64")` silently skips bad characters and ignores trailing bits, which
 * would let two different cookie strings decode to the same bytes. Rails rejects such strings, so
 * we do too: a changed character is never accepted.
 */
import { CookieFormatError } from "../errors.js";

/**
 * Decodes strict base64 or throws `CookieFormatError`.
 *
 * Strict base64 is canonical: each byte string has exactly one strict encoding, and it is the one
 * Node writes. So a text is strict exactly when decoding and encoding again gives it back; anything
 * Node's lenient decoder skipped or let pass (bad characters, `-`/`_`, whitespace, missing
 * padding, non-zero trailing bits) changes the text. This accepts the same texts as the pattern
 * /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/ and
 * takes a fraction of its time: that regex was 16% of a session read (docs/bench.md).
 */
export function strictDecode64(text: string, what = "base64"): Buffer {
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) throw new CookieFormatError(`invalid ${what}`);
  return bytes;
}

/** Strict base64 (RFC 4648 standard alphabet, padded, no line breaks), Ruby's `Base64.strict_encode64`. */
export function strictEncode64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
