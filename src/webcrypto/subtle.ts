/**
 * The Web Crypto handles the backend uses: `globalThis.crypto` is standard in Workers, the Edge
 * runtime, Deno, Bun, browsers and Node ≥ 19, so nothing is imported.
 */
import { InvalidOptionError } from "../errors.js";
import type { MessageDigest } from "../crypto/formats.js";

/** Web Crypto's types, from the global itself (the library is type-checked without the DOM lib). */
export type Subtle = typeof globalThis.crypto.subtle;
export type CryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

export const subtle: Subtle = globalThis.crypto.subtle;

export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

const HASH: Record<MessageDigest, string | null> = { SHA1: "SHA-1", SHA256: "SHA-256", SHA384: "SHA-384", SHA512: "SHA-512", MD5: null };

/**
 * Web Crypto's name of a Rails digest. MD5 (which Ruby's OpenSSL accepts for `signed_cookie_digest`)
 * is not part of Web Crypto: such a jar cannot be built here, and says so.
 */
export function webHash(digest: MessageDigest): string {
  const name = HASH[digest];
  if (!name) throw new InvalidOptionError(`${digest} is not available in Web Crypto; use the Node build (new CookieJar) for HMAC-${digest} cookies`);
  return name;
}

/** Web Crypto wants a BufferSource backed by an ArrayBuffer; our bytes always are. */
export const source = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;
