/**
 * The standard base64 alphabet (RFC 4648 §4, what Ruby's `Base64.strict_encode64` writes), shared
 * by both sides of the bytes seam: ./web.ts decodes and encodes with it, ./node.ts checks a
 * padded text's last character with it. No `Buffer` here, so the edge build can take it too.
 */
export const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const SEXTET = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/** The 6-bit value of a base64 character, or -1 for anything outside the alphabet. */
export const sextet = (code: number): number => (code < 128 ? SEXTET[code]! : -1);
