/**
 * `ActiveSupport::MessageVerifier` on Web Crypto HMAC (activesupport/lib/active_support/message_verifier.rb):
 *
 *     value = strict_base64(data) + "--" + lowercase_hex(HMAC(digest, secret, strict_base64(data)))
 *
 * The shape check is `splitSigned` (src/crypto/formats.ts, Rails 7.0+ parsing), hex check included:
 * `fromHex` needs hex, so this backend checks it before the MAC, where the node:crypto one checks
 * it only after a mismatch; both refuse the same digests (test/hot-paths.test.ts). The MAC is
 * checked by `crypto.subtle.verify`, which compares in constant time; the data is decoded only
 * after it passed.
 */
import { InvalidSignatureError } from "../errors.js";
import { latin1Bytes, strictDecode64, strictEncode64 } from "../bytes/index.js";
import { splitSigned, type MessageDigest } from "../crypto/formats.js";
import { source, subtle, type CryptoKey, webHash } from "./subtle.js";

/** An HMAC key imported once, for one digest. */
export interface WebVerifierKey {
  key: CryptoKey;
  digest: MessageDigest;
}

export async function importHmacKey(secret: Uint8Array, digest: MessageDigest): Promise<WebVerifierKey> {
  const key = await subtle.importKey("raw", source(secret), { name: "HMAC", hash: webHash(digest) }, false, ["sign", "verify"]);
  return { key, digest };
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

/** Lower-case hex (already checked by `splitSigned`) to bytes. */
function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `MessageVerifier#generate` with a `NullSerializer`: signs bytes. */
export async function generateSigned(payload: Uint8Array, key: WebVerifierKey): Promise<string> {
  const data = strictEncode64(payload);
  const mac = new Uint8Array(await subtle.sign("HMAC", key.key, source(latin1Bytes(data))));
  return `${data}--${toHex(mac)}`;
}

/** `MessageVerifier#verified` with a `NullSerializer`: the signed bytes, or `CookieFormatError` / `InvalidSignatureError`. */
export async function verifySigned(value: string, key: WebVerifierKey): Promise<Uint8Array> {
  const { data, mac } = splitSigned(value, key.digest);
  if (!(await subtle.verify("HMAC", key.key, source(fromHex(mac)), source(latin1Bytes(data))))) throw new InvalidSignatureError();
  return strictDecode64(data, "signed data");
}
