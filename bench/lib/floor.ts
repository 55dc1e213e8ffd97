/**
 * The floor: the least code that reads (and writes) the same cookies correctly, straight on
 * node:crypto with keys derived once up front. It is our yardstick, not a product: it knows the
 * one format of its scenario and nothing else (no rotations, fallbacks, serializer detection,
 * strict base64 or size limits). What it does check is what makes a read correct: the MAC (in
 * constant time), the envelope's purpose and expiry.
 *
 * Keys are derived here with node:crypto's own PBKDF2, independently of src/crypto, from the salts
 * Rails uses (actionpack/lib/action_dispatch/railtie.rb; KeyGenerator: 1000 iterations).
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { dump, load } from "../../src/marshal/index.js";

export type Kdf = "sha1" | "sha256";
const derive = (secret: string, salt: string, length: number, kdf: Kdf) => pbkdf2Sync(secret, salt, 1000, length, kdf);

const unescape = (v: string) => (v.indexOf("%") === -1 ? v : decodeURIComponent(v));
// Rack's escape of a base64 + "--" string: only these three characters need it.
const ESC: Record<string, string> = { "+": "%2B", "/": "%2F", "=": "%3D" };
const escape = (v: string) => v.replace(/[+/=]/g, (c) => ESC[c]!);

const HTML: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };
/** ActiveSupport::JSON.encode: JSON with HTML entities escaped. */
const jsonDump = (value: unknown) => Buffer.from(JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => HTML[c]!), "utf8");

function openEnvelope(plain: Buffer, purpose: string): Buffer {
  const rails = JSON.parse(plain.toString("utf8"))._rails;
  if (rails.pur !== null && rails.pur !== purpose) throw new Error("purpose");
  if (rails.exp !== null && !(Date.now() < Date.parse(rails.exp))) throw new Error("expired");
  return Buffer.from(rails.message, "base64");
}

function sealEnvelope(message: Uint8Array, purpose: string, expiresAt: Date | null): Buffer {
  const exp = expiresAt === null ? "null" : `"${expiresAt.toISOString()}"`;
  return Buffer.from(`{"_rails":{"message":"${Buffer.from(message).toString("base64")}","exp":${exp},"pur":"${purpose}"}}`, "utf8");
}

export interface Floor {
  decode(raw: string): unknown;
  encode(value: unknown): string;
}

export type Payload = "json" | "marshal";
const parse = (p: Payload, bytes: Buffer) => (p === "json" ? JSON.parse(bytes.toString("utf8")) : load(bytes));
const serialize = (p: Payload, value: unknown) => (p === "json" ? jsonDump(value) : dump(value));

/** AES-256-GCM (Rails 5.2+), with the `_rails` envelope (6.0+). */
export function gcmFloor(secretKeyBase: string, kdf: Kdf, name: string, payload: Payload): Floor {
  const key = derive(secretKeyBase, "authenticated encrypted cookie", 32, kdf);
  const purpose = `cookie.${name}`;
  return {
    decode(raw) {
      const [c, i, t] = unescape(raw).split("--");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(i!, "base64"));
      decipher.setAuthTag(Buffer.from(t!, "base64"));
      const plain = Buffer.concat([decipher.update(Buffer.from(c!, "base64")), decipher.final()]);
      return parse(payload, openEnvelope(plain, purpose));
    },
    encode(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ct = Buffer.concat([cipher.update(sealEnvelope(serialize(payload, value), purpose, null)), cipher.final()]);
      return escape(`${ct.toString("base64")}--${iv.toString("base64")}--${cipher.getAuthTag().toString("base64")}`);
    },
  };
}

/** `data--hex(HMAC-SHA1(data))`: the data text once the MAC matches (constant time), else throws. */
function verifiedData(value: string, key: Buffer): string {
  const cut = value.lastIndexOf("--");
  const data = value.slice(0, cut);
  const mac = Buffer.from(value.slice(cut + 2), "latin1");
  const expected = Buffer.from(createHmac("sha1", key).update(data).digest("hex"), "latin1");
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new Error("signature");
  return data;
}

/** AES-256-CBC inside a MessageVerifier (HMAC-SHA1), Rails 4.2–5.1: no envelope. */
export function cbcFloor(secretKeyBase: string, payload: Payload): Floor {
  const key = derive(secretKeyBase, "encrypted cookie", 32, "sha1");
  const signKey = derive(secretKeyBase, "signed encrypted cookie", 64, "sha1");
  return {
    decode(raw) {
      const data = verifiedData(unescape(raw), signKey);
      const [c, i] = Buffer.from(data, "base64").toString("latin1").split("--");
      const decipher = createDecipheriv("aes-256-cbc", key, Buffer.from(i!, "base64"));
      return parse(payload, Buffer.concat([decipher.update(Buffer.from(c!, "base64")), decipher.final()]));
    },
    encode(value) {
      const iv = randomBytes(16);
      const cipher = createCipheriv("aes-256-cbc", key, iv);
      const ct = Buffer.concat([cipher.update(serialize(payload, value)), cipher.final()]);
      const data = Buffer.from(`${ct.toString("base64")}--${iv.toString("base64")}`, "latin1").toString("base64");
      return escape(`${data}--${createHmac("sha1", signKey).update(data).digest("hex")}`);
    },
  };
}

/** MessageVerifier HMAC-SHA1 with the envelope (signed cookies, 6.0+). */
export function signedFloor(secretKeyBase: string, kdf: Kdf, name: string, payload: Payload, expiresIn: number | null): Floor {
  const key = derive(secretKeyBase, "signed cookie", 64, kdf);
  const purpose = `cookie.${name}`;
  return {
    decode(raw) {
      const data = verifiedData(unescape(raw), key);
      return parse(payload, openEnvelope(Buffer.from(data, "base64"), purpose));
    },
    encode(value) {
      const expiresAt = expiresIn === null ? null : new Date(Date.now() + expiresIn * 1000);
      const data = sealEnvelope(serialize(payload, value), purpose, expiresAt).toString("base64");
      return escape(`${data}--${createHmac("sha1", key).update(data).digest("hex")}`);
    },
  };
}
