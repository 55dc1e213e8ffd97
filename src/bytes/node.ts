/**
 * The bytes seam, Node side: strict base64, Latin-1/UTF-8 text and byte comparisons on `Buffer`,
 * whose native code is 5–9× faster than any JavaScript loop for cookie-sized inputs (docs/edge.md,
 * bench/bytes.ts). The edge build replaces this module by ./web.ts (tsup.config.ts), which has the
 * same exports and no `Buffer`.
 */
import { isUtf8 } from "node:buffer";
import { CookieFormatError } from "../errors.js";
import { sextet } from "./alphabet.js";

/**
 * Decodes strict base64 (Ruby's `Base64.strict_decode64`, `unpack1("m0")` in ruby pack.c) or throws
 * `CookieFormatError`: standard alphabet, `=` padding to a multiple of 4, no whitespace, unused
 * trailing bits zero.
 *
 * Node's `Buffer.from(s, "base64")` is lenient: it skips characters outside the alphabet (a `=`
 * before the end included), reads the URL-safe `-` and `_` as `+` and `/`, and ignores trailing
 * bits. So a text is strict exactly when it holds neither `-` nor `_`, decodes to the full
 * `3 × length / 4 − padding` bytes (each skipped character costs 6 bits, which loses at least one
 * byte), and its last character before the padding has its unused bits zero. These checks read the
 * text without building another string: re-encoding the bytes to compare (the previous way) cost a
 * signed-cookie read ~8 % of its instructions (docs/bench.md). test/hot-paths.test.ts holds the
 * two ways equal.
 */
export function strictDecode64(text: string, what = "base64"): Buffer {
  const length = text.length;
  const bytes = Buffer.from(text, "base64");
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === 0x3d) padding = text.charCodeAt(length - 2) === 0x3d ? 2 : 1;
  if (
    length % 4 !== 0 ||
    bytes.length !== (length / 4) * 3 - padding ||
    text.indexOf("-") !== -1 ||
    text.indexOf("_") !== -1 ||
    (padding !== 0 && (sextet(text.charCodeAt(length - 1 - padding)) & (padding === 1 ? 3 : 15)) !== 0)
  ) {
    throw new CookieFormatError(`invalid ${what}`);
  }
  return bytes;
}

/** The re-encode check this replaced, kept to prove the two equal (test/hot-paths.test.ts). @internal */
export function strictDecode64ByReencoding(text: string, what = "base64"): Buffer {
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) throw new CookieFormatError(`invalid ${what}`);
  return bytes;
}

/** Strict base64 (RFC 4648 standard alphabet, padded, no line breaks), Ruby's `Base64.strict_encode64`. */
export function strictEncode64(bytes: Uint8Array): string {
  return view(bytes).toString("base64");
}

/** Each byte as one character (Ruby's ASCII-8BIT/Latin-1 view of a String). */
export function latin1String(bytes: Uint8Array): string {
  return view(bytes).toString("latin1");
}

/** Each character's low byte (the text must be Latin-1). */
export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** UTF-8 text of bytes, malformed sequences as U+FFFD (Ruby strings may hold any bytes). */
export function utf8String(bytes: Uint8Array): string {
  return view(bytes).toString("utf8");
}

/**
 * UTF-8 text of bytes, or null when they are not valid UTF-8: the WHATWG fatal decoder's answer
 * (`new TextDecoder("utf-8", { fatal: true })`, a leading BOM dropped as it drops it), for readers
 * that must refuse malformed UTF-8 as Ruby's parsers do. `isUtf8` + `toString` is about twice as
 * fast as the fatal TextDecoder on a session payload (docs/bench.md).
 */
export function strictUtf8String(bytes: Uint8Array): string | null {
  const b = view(bytes);
  if (!isUtf8(b)) return null;
  const text = b.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return view(a).equals(b);
}

/** The first index of `needle` in `haystack`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return view(haystack).indexOf(needle);
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
