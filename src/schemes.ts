/**
 * The protection schemes a cookie jar writes with and reads through, in Rails' order
 * (actionpack/lib/action_dispatch/middleware/cookies.rb `EncryptedKeyRotatingCookieJar`,
 * `SignedKeyRotatingCookieJar`; spec §7.2):
 *
 *   encrypted: primary (GCM, or CBC when `use_authenticated_cookie_encryption` is off)
 *              → each `cookies_rotations.encrypted` entry, in order
 *              → built-in fallback: GCM primary reads CBC (5.2+); CBC primary reads GCM (6.1+)
 *              → Rails 3 `secret_token` signed cookies (4.2–5.2, when a token is set)
 *   signed:    primary → each `cookies_rotations.signed` entry → `secret_token` (4.2–5.2)
 *
 * This module only decides *which* schemes and keys, as `SchemeSpec`s: it has no crypto. A crypto
 * backend turns each spec into a working scheme with its keys derived once, when the jar is built:
 * node:crypto, synchronous (src/crypto/schemes.ts), or Web Crypto, asynchronous
 * (src/webcrypto/schemes.ts). One rule set, two runtimes (docs/edge.md).
 */
import type { GcmCipher, KeyGeneratorHashDigestClass, MessageDigest } from "./crypto/formats.js";
import type { CookieRotation, ResolvedConfig } from "./config.js";
import { utf8Bytes } from "./bytes/index.js";

export type SchemeSource = "primary" | "rotation" | "fallback" | "secret_token";

/** How a scheme is described to whoever reads a cookie (`DecodedCookie.scheme`). */
export interface SchemeInfo {
  /** What protects the cookie: `aes-256-gcm`, `aes-256-cbc+hmac-sha1`, `hmac-sha256`, … */
  protection: string;
  /** PBKDF2 PRF of the key, or `null` for raw keys (rotations with `secret`, `secret_token`). */
  keyDerivation: `pbkdf2-${Lowercase<KeyGeneratorHashDigestClass>}` | null;
  source: SchemeSource;
  /** Index in `cookiesRotations` for `source: "rotation"`. */
  rotationIndex?: number;
}

/** A scheme with node:crypto's synchronous primitives. */
export interface Scheme extends SchemeInfo {
  /** Returns the plaintext or throws a `RailsCookieError`. */
  open(value: string): Uint8Array;
  /** Protects plaintext; only the primary scheme is ever used to write. */
  seal(plaintext: Uint8Array): string;
}

/** A scheme with Web Crypto's asynchronous primitives (or a synchronous one behind `await`). */
export interface AsyncScheme extends SchemeInfo {
  open(value: string): Promise<Uint8Array> | Uint8Array;
  seal(plaintext: Uint8Array): Promise<string> | string;
}

/** A key: `KeyGenerator(secretKeyBase, PRF).generate_key(salt, size)`, or raw bytes. */
export type KeySpec = Uint8Array | { secretKeyBase: string; hashDigestClass: KeyGeneratorHashDigestClass; salt: string; size: number };

export type SchemeSpec = SchemeInfo &
  (
    | { type: "gcm"; cipher: GcmCipher; key: KeySpec }
    | { type: "cbc"; key: KeySpec; signKey: KeySpec; digest: MessageDigest }
    | { type: "signed"; key: KeySpec; digest: MessageDigest }
  );

const kdfLabel = (d: KeyGeneratorHashDigestClass): SchemeInfo["keyDerivation"] => (d === "SHA256" ? "pbkdf2-sha256" : "pbkdf2-sha1");

const derived = (config: ResolvedConfig, salt: string, size: number): KeySpec => ({
  secretKeyBase: config.secretKeyBase!,
  hashDigestClass: config.keyGeneratorHashDigestClass,
  salt,
  size,
});

/** A spec's public description, without its keys (what a built scheme carries). */
export function schemeInfo(spec: SchemeSpec): SchemeInfo {
  return {
    protection: spec.protection,
    keyDerivation: spec.keyDerivation,
    source: spec.source,
    ...(spec.rotationIndex === undefined ? {} : { rotationIndex: spec.rotationIndex }),
  };
}

/** The protection label of a spec (what `Scheme.protection` says). */
export function protectionOf(spec: { type: "gcm"; cipher: GcmCipher } | { type: "cbc" | "signed"; digest: MessageDigest }): string {
  if (spec.type === "gcm") return spec.cipher;
  return spec.type === "cbc" ? `aes-256-cbc+hmac-${spec.digest.toLowerCase()}` : `hmac-${spec.digest.toLowerCase()}`;
}

function gcm(cipher: GcmCipher, key: KeySpec, keyDerivation: SchemeInfo["keyDerivation"], source: SchemeSource): SchemeSpec {
  return { type: "gcm", cipher, key, protection: protectionOf({ type: "gcm", cipher }), keyDerivation, source };
}

function cbc(key: KeySpec, signKey: KeySpec, digest: MessageDigest, keyDerivation: SchemeInfo["keyDerivation"], source: SchemeSource): SchemeSpec {
  return { type: "cbc", key, signKey, digest, protection: protectionOf({ type: "cbc", digest }), keyDerivation, source };
}

function signed(key: KeySpec, digest: MessageDigest, keyDerivation: SchemeInfo["keyDerivation"], source: SchemeSource): SchemeSpec {
  return { type: "signed", key, digest, protection: protectionOf({ type: "signed", digest }), keyDerivation, source };
}

/** A config with one rotation's settings laid over the jar's own. */
function rotated(config: ResolvedConfig, rotation: CookieRotation): ResolvedConfig {
  const { secret: _s, signSecret: _ss, digest: _d, cipher: _c, ...settings } = rotation;
  return { ...config, ...settings, secretKeyBase: rotation.secretKeyBase ?? config.secretKeyBase };
}

/** The primary, a rotation's or the built-in fallback's encrypted scheme; `cbcDigest` is a rotation's own `digest`. */
function encryptedScheme(config: ResolvedConfig, source: SchemeSource, useGcm: boolean, cbcDigest?: MessageDigest): SchemeSpec | null {
  if (config.secretKeyBase === null) return null;
  const kdf = kdfLabel(config.keyGeneratorHashDigestClass);
  if (useGcm) {
    const cipher = config.encryptedCookieCipher;
    return gcm(cipher, derived(config, config.authenticatedEncryptedCookieSalt, cipher === "aes-128-gcm" ? 16 : 32), kdf, source);
  }
  // 4.2–5.1 derive 64 bytes and keep 32; 5.2+ derive 32. PBKDF2's prefix property makes them equal.
  // From 5.2 the primary CBC encryptor and its rotations sign with SHA1: `cookies_digest` only
  // feeds the built-in fallback (and, before 5.2, the primary itself).
  const digest = cbcDigest ?? (source === "fallback" || config.railsVersion < 5.2 ? config.cookiesDigest : "SHA1");
  return cbc(derived(config, config.encryptedCookieSalt, 32), derived(config, config.encryptedSignedCookieSalt, 64), digest, kdf, source);
}

function secretTokenScheme(config: ResolvedConfig, digest: MessageDigest): SchemeSpec | null {
  if (config.secretToken === null) return null;
  // LegacyKeyGenerator#generate_key returns the token itself: no key derivation.
  return signed(utf8Bytes(config.secretToken), digest, null, "secret_token");
}

function rotationScheme(config: ResolvedConfig, rotation: CookieRotation, kind: "encrypted" | "signed"): SchemeSpec {
  const merged = rotated(config, rotation);
  if (kind === "signed") {
    const digest = rotation.digest ?? (config.railsVersion >= 5.2 ? config.signedCookieDigest : config.cookiesDigest);
    if (rotation.secret) return signed(rotation.secret, digest, null, "rotation");
    return signed(derived(merged, merged.signedCookieSalt, 64), digest, kdfLabel(merged.keyGeneratorHashDigestClass), "rotation");
  }
  const cipher = rotation.cipher ?? (config.useAuthenticatedCookieEncryption ? config.encryptedCookieCipher : "aes-256-cbc");
  if (rotation.secret) {
    if (cipher === "aes-256-cbc") {
      const signKey = rotation.signSecret ?? derived(merged, merged.encryptedSignedCookieSalt, 64);
      return cbc(rotation.secret, signKey, rotation.digest ?? "SHA1", null, "rotation");
    }
    return gcm(cipher, rotation.secret, null, "rotation");
  }
  return encryptedScheme(
    { ...merged, encryptedCookieCipher: cipher === "aes-256-cbc" ? merged.encryptedCookieCipher : cipher },
    "rotation",
    cipher !== "aes-256-cbc",
    rotation.digest,
  )!;
}

function withIndex(schemes: SchemeSpec[]): SchemeSpec[] {
  let i = 0;
  for (const s of schemes) if (s.source === "rotation") s.rotationIndex = i++;
  return schemes;
}

/** Reading order for `cookies.encrypted`; the first entry is the one that writes. */
export function encryptedSchemeSpecs(config: ResolvedConfig): SchemeSpec[] {
  const schemes: SchemeSpec[] = [];
  const gcmPrimary = config.useAuthenticatedCookieEncryption;
  const primary = encryptedScheme(config, "primary", gcmPrimary);
  if (primary) {
    schemes.push(primary);
    for (const rotation of config.cookiesRotations.encrypted) schemes.push(rotationScheme(config, rotation, "encrypted"));
    if (config.railsVersion >= 5.2 && gcmPrimary) schemes.push(encryptedScheme(config, "fallback", false)!);
    if (config.railsVersion >= 6.1 && !gcmPrimary) schemes.push(encryptedScheme(config, "fallback", true)!);
  }
  // 4.2–5.1 verify legacy cookies with SHA1; 5.2 with `cookies_digest || SHA1`.
  const legacy = secretTokenScheme(config, config.railsVersion >= 5.2 ? config.cookiesDigest : "SHA1");
  if (legacy) schemes.push(legacy);
  return withIndex(schemes);
}

/** Reading order for `cookies.signed`; the first entry is the one that writes. */
export function signedSchemeSpecs(config: ResolvedConfig): SchemeSpec[] {
  const schemes: SchemeSpec[] = [];
  const digest = config.railsVersion >= 5.2 ? config.signedCookieDigest : config.cookiesDigest;
  if (config.secretKeyBase !== null) {
    schemes.push(signed(derived(config, config.signedCookieSalt, 64), digest, kdfLabel(config.keyGeneratorHashDigestClass), "primary"));
    for (const rotation of config.cookiesRotations.signed) schemes.push(rotationScheme(config, rotation, "signed"));
  }
  const legacy = secretTokenScheme(config, digest);
  if (legacy) schemes.push(config.secretKeyBase === null ? { ...legacy, source: "primary" } : legacy);
  return withIndex(schemes);
}
