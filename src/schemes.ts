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
 * All keys are derived here, once, when the jar is built.
 */
import {
  KeyGenerator,
  decryptCbc,
  decryptGcm,
  encryptCbc,
  encryptGcm,
  generateSigned,
  keyLength,
  verifySigned,
  type KeyGeneratorHashDigestClass,
  type MessageDigest,
} from "./crypto/index.js";
import type { CookieRotation, ResolvedConfig } from "./config.js";

export type SchemeSource = "primary" | "rotation" | "fallback" | "secret_token";

export interface Scheme {
  /** What protects the cookie: `aes-256-gcm`, `aes-256-cbc+hmac-sha1`, `hmac-sha256`, … */
  protection: string;
  /** PBKDF2 PRF of the key, or `null` for raw keys (rotations with `secret`, `secret_token`). */
  keyDerivation: `pbkdf2-${Lowercase<KeyGeneratorHashDigestClass>}` | null;
  source: SchemeSource;
  /** Index in `cookiesRotations` for `source: "rotation"`. */
  rotationIndex?: number;
  /** Returns the plaintext or throws a `RailsCookieError`. */
  open(value: string): Buffer;
  /** Protects plaintext; only the primary scheme is ever used to write. */
  seal(plaintext: Uint8Array): string;
}

type KeyGenerators = (secretKeyBase: string, digest: KeyGeneratorHashDigestClass) => KeyGenerator;

/** One `KeyGenerator` (and so one key cache) per secret and PRF, shared by all schemes of a jar. */
function keyGeneratorCache(): KeyGenerators {
  const cache = new Map<string, KeyGenerator>();
  return (secretKeyBase, digest) => {
    const id = `${digest}|${secretKeyBase}`;
    let generator = cache.get(id);
    if (!generator) {
      generator = new KeyGenerator(secretKeyBase, { hashDigestClass: digest });
      cache.set(id, generator);
    }
    return generator;
  };
}

const kdfLabel = (d: KeyGeneratorHashDigestClass): Scheme["keyDerivation"] => (d === "SHA256" ? "pbkdf2-sha256" : "pbkdf2-sha1");

function gcmScheme(
  secret: Uint8Array,
  cipher: "aes-256-gcm" | "aes-128-gcm",
  keyDerivation: Scheme["keyDerivation"],
  source: SchemeSource,
): Scheme {
  const key = { cipher, secret };
  return {
    protection: cipher,
    keyDerivation,
    source,
    open: (value) => decryptGcm(value, key),
    seal: (plaintext) => encryptGcm(plaintext, key),
  };
}

function cbcScheme(
  secret: Uint8Array,
  signSecret: Uint8Array,
  digest: MessageDigest,
  keyDerivation: Scheme["keyDerivation"],
  source: SchemeSource,
): Scheme {
  const key = { secret, signSecret, digest };
  return {
    protection: `aes-256-cbc+hmac-${digest.toLowerCase()}`,
    keyDerivation,
    source,
    open: (value) => decryptCbc(value, key),
    seal: (plaintext) => encryptCbc(plaintext, key),
  };
}

function signedScheme(
  secret: Uint8Array,
  digest: MessageDigest,
  keyDerivation: Scheme["keyDerivation"],
  source: SchemeSource,
): Scheme {
  const key = { secret, digest };
  return {
    protection: `hmac-${digest.toLowerCase()}`,
    keyDerivation,
    source,
    open: (value) => verifySigned(value, key),
    seal: (plaintext) => generateSigned(plaintext, key),
  };
}

/** A config with one rotation's settings laid over the jar's own. */
function rotated(config: ResolvedConfig, rotation: CookieRotation): ResolvedConfig {
  const { secret: _s, signSecret: _ss, digest: _d, cipher: _c, ...settings } = rotation;
  return { ...config, ...settings, secretKeyBase: rotation.secretKeyBase ?? config.secretKeyBase };
}

/** The primary, a rotation's or the built-in fallback's encrypted scheme; `cbcDigest` is a rotation's own `digest`. */
function encryptedScheme(
  config: ResolvedConfig,
  kg: KeyGenerators,
  source: SchemeSource,
  gcm: boolean,
  cbcDigest?: MessageDigest,
): Scheme | null {
  if (config.secretKeyBase === null) return null;
  const generator = kg(config.secretKeyBase, config.keyGeneratorHashDigestClass);
  const kdf = kdfLabel(config.keyGeneratorHashDigestClass);
  if (gcm) {
    const cipher = config.encryptedCookieCipher;
    return gcmScheme(generator.generateKey(config.authenticatedEncryptedCookieSalt, keyLength(cipher)), cipher, kdf, source);
  }
  // 4.2–5.1 derive 64 bytes and keep 32; 5.2+ derive 32. PBKDF2's prefix property makes them equal.
  // From 5.2 the primary CBC encryptor and its rotations sign with SHA1: `cookies_digest` only
  // feeds the built-in fallback (and, before 5.2, the primary itself).
  const digest = cbcDigest ?? (source === "fallback" || config.railsVersion < 5.2 ? config.cookiesDigest : "SHA1");
  return cbcScheme(
    generator.generateKey(config.encryptedCookieSalt, 32),
    generator.generateKey(config.encryptedSignedCookieSalt, 64),
    digest,
    kdf,
    source,
  );
}

function secretTokenScheme(config: ResolvedConfig, digest: MessageDigest): Scheme | null {
  if (config.secretToken === null) return null;
  // LegacyKeyGenerator#generate_key returns the token itself: no key derivation.
  return signedScheme(Buffer.from(config.secretToken, "utf8"), digest, null, "secret_token");
}

function rotationScheme(config: ResolvedConfig, rotation: CookieRotation, kg: KeyGenerators, kind: "encrypted" | "signed"): Scheme {
  const merged = rotated(config, rotation);
  if (kind === "signed") {
    const digest = rotation.digest ?? (config.railsVersion >= 5.2 ? config.signedCookieDigest : config.cookiesDigest);
    if (rotation.secret) return signedScheme(rotation.secret, digest, null, "rotation");
    return signedScheme(
      kg(merged.secretKeyBase!, merged.keyGeneratorHashDigestClass).generateKey(merged.signedCookieSalt, 64),
      digest,
      kdfLabel(merged.keyGeneratorHashDigestClass),
      "rotation",
    );
  }
  const cipher = rotation.cipher ?? (config.useAuthenticatedCookieEncryption ? config.encryptedCookieCipher : "aes-256-cbc");
  if (rotation.secret) {
    if (cipher === "aes-256-cbc") {
      const generator = kg(merged.secretKeyBase!, merged.keyGeneratorHashDigestClass);
      const signSecret = rotation.signSecret ?? generator.generateKey(merged.encryptedSignedCookieSalt, 64);
      return cbcScheme(rotation.secret, signSecret, rotation.digest ?? "SHA1", null, "rotation");
    }
    return gcmScheme(rotation.secret, cipher, null, "rotation");
  }
  return encryptedScheme(
    { ...merged, encryptedCookieCipher: cipher === "aes-256-cbc" ? merged.encryptedCookieCipher : cipher },
    kg,
    "rotation",
    cipher !== "aes-256-cbc",
    rotation.digest,
  )!;
}

function withIndex(schemes: Scheme[]): Scheme[] {
  let i = 0;
  for (const s of schemes) if (s.source === "rotation") s.rotationIndex = i++;
  return schemes;
}

/** Reading order for `cookies.encrypted`; the first entry is the one that writes. */
export function encryptedSchemes(config: ResolvedConfig, kg: KeyGenerators = keyGeneratorCache()): Scheme[] {
  const schemes: Scheme[] = [];
  const gcmPrimary = config.useAuthenticatedCookieEncryption;
  const primary = encryptedScheme(config, kg, "primary", gcmPrimary);
  if (primary) {
    schemes.push(primary);
    for (const rotation of config.cookiesRotations.encrypted) schemes.push(rotationScheme(config, rotation, kg, "encrypted"));
    if (config.railsVersion >= 5.2 && gcmPrimary) schemes.push(encryptedScheme(config, kg, "fallback", false)!);
    if (config.railsVersion >= 6.1 && !gcmPrimary) schemes.push(encryptedScheme(config, kg, "fallback", true)!);
  }
  // 4.2–5.1 verify legacy cookies with SHA1; 5.2 with `cookies_digest || SHA1`.
  const legacy = secretTokenScheme(config, config.railsVersion >= 5.2 ? config.cookiesDigest : "SHA1");
  if (legacy) schemes.push(legacy);
  return withIndex(schemes);
}

/** Reading order for `cookies.signed`; the first entry is the one that writes. */
export function signedSchemes(config: ResolvedConfig, kg: KeyGenerators = keyGeneratorCache()): Scheme[] {
  const schemes: Scheme[] = [];
  const digest = config.railsVersion >= 5.2 ? config.signedCookieDigest : config.cookiesDigest;
  if (config.secretKeyBase !== null) {
    const generator = kg(config.secretKeyBase, config.keyGeneratorHashDigestClass);
    schemes.push(
      signedScheme(generator.generateKey(config.signedCookieSalt, 64), digest, kdfLabel(config.keyGeneratorHashDigestClass), "primary"),
    );
    for (const rotation of config.cookiesRotations.signed) schemes.push(rotationScheme(config, rotation, kg, "signed"));
  }
  const legacy = secretTokenScheme(config, digest);
  if (legacy) schemes.push(config.secretKeyBase === null ? { ...legacy, source: "primary" } : legacy);
  return withIndex(schemes);
}

export { keyGeneratorCache };
