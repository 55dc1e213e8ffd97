/**
 * The bytes seam, Web side: the same exports as ./node.ts on plain `Uint8Array`, `TextEncoder` and
 * `TextDecoder`, for runtimes without `Buffer` (Workers, the Edge runtime, Deno, browsers). The edge
 * build resolves ../bytes/index.js here (tsup.config.ts); test/bytes.test.ts holds both sides to
 * the same answers.
 *
 * Base64 is written out instead of using `atob`/`btoa`: those work on "binary strings" and accept
 * whitespace and missing padding, so they would need the same round-trip check and two string
 * conversions more.
 */
import { CookieFormatError } from "../errors.js";
import { ALPHABET, sextet } from "./alphabet.js";

// Two base64 characters per 12 bits: one table look-up per half of a 3-byte group.
const PAIRS: string[] = [];
for (let i = 0; i < 4096; i++) PAIRS.push(ALPHABET[i >> 6]! + ALPHABET[i & 63]!);

/**
 * Strict base64 (Ruby's `Base64.strict_decode64`), or `CookieFormatError`: length a multiple of 4,
 * only the standard alphabet, `=` only as the last one or two characters, unused trailing bits zero
 * (so every byte string has exactly one accepted text, as on the Node side).
 */
export function strictDecode64(text: string, what = "base64"): Uint8Array {
  const length = text.length;
  if (length % 4 !== 0) throw new CookieFormatError(`invalid ${what}`);
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === 0x3d) padding = text.charCodeAt(length - 2) === 0x3d ? 2 : 1;
  const out = new Uint8Array((length / 4) * 3 - padding);
  const whole = padding === 0 ? length : length - 4;
  let j = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text.charCodeAt(i));
    const b = sextet(text.charCodeAt(i + 1));
    const c = sextet(text.charCodeAt(i + 2));
    const d = sextet(text.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) throw new CookieFormatError(`invalid ${what}`);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[j++] = v >> 16;
    out[j++] = (v >> 8) & 255;
    out[j++] = v & 255;
  }
  if (padding > 0) {
    const a = sextet(text.charCodeAt(whole));
    const b = sextet(text.charCodeAt(whole + 1));
    const c = padding === 1 ? sextet(text.charCodeAt(whole + 2)) : 0;
    // Trailing bits must be zero: 4 bits after one byte, 2 bits after two.
    if ((a | b | c) < 0 || (padding === 2 ? b & 15 : c & 3) !== 0) throw new CookieFormatError(`invalid ${what}`);
    const v = (a << 18) | (b << 12) | (c << 6);
    out[j++] = v >> 16;
    if (padding === 1) out[j++] = (v >> 8) & 255;
  }
  return out;
}

/** Strict base64 (RFC 4648 standard alphabet, padded, no line breaks), Ruby's `Base64.strict_encode64`. */
export function strictEncode64(bytes: Uint8Array): string {
  let out = "";
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += PAIRS[v >> 12]! + PAIRS[v & 4095]!;
  }
  const rest = bytes.length - whole;
  if (rest === 1) out += PAIRS[bytes[whole]! << 4]! + "==";
  else if (rest === 2) {
    const v = (bytes[whole]! << 16) | (bytes[whole + 1]! << 8);
    out += PAIRS[v >> 12]! + ALPHABET[(v >> 6) & 63]! + "=";
  }
  return out;
}

const CHUNK = 0x2000;

/** Each byte as one character (Ruby's ASCII-8BIT/Latin-1 view of a String). */
export function latin1String(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Each character's low byte (the text must be Latin-1). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

/** UTF-8 text of bytes, malformed sequences as U+FFFD (Ruby strings may hold any bytes). */
export function utf8String(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 text of bytes, or null when they are not valid UTF-8 (the WHATWG fatal decoder). */
export function strictUtf8String(bytes: Uint8Array): string | null {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3; // includes a lone surrogate, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first index of `needle` in `haystack`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const last = haystack.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
