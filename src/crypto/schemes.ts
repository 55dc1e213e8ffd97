/**
 * The node:crypto backend of the scheme layer: each `SchemeSpec` (src/schemes.ts, Rails' order and
 * keys) becomes a synchronous `Scheme`, with every key derived here, once, when the jar is built.
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import { KeyGenerator, type KeyGeneratorHashDigestClass } from "./keyGenerator.js";
import { decryptCbc, decryptGcm, encryptCbc, encryptGcm } from "./messageEncryptor.js";
import { generateSigned, verifySigned } from "./messageVerifier.js";
import { encryptedSchemeSpecs, schemeInfo, signedSchemeSpecs, type KeySpec, type Scheme, type SchemeSpec } from "../schemes.js";
import type { ResolvedConfig } from "../config.js";

export type KeyGenerators = (secretKeyBase: string, digest: KeyGeneratorHashDigestClass) => KeyGenerator;

/** One `KeyGenerator` (and so one key cache) per secret and PRF, shared by all schemes of a jar. */
export function keyGeneratorCache(): KeyGenerators {
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

function keyOf(spec: KeySpec, kg: KeyGenerators): KeyObject | Uint8Array {
  const bytes = spec instanceof Uint8Array ? spec : kg(spec.secretKeyBase, spec.hashDigestClass).generateKey(spec.salt, spec.size);
  // A KeyObject once, not the bytes imported again by every cipher and HMAC (an empty Rails 3
  // secret_token, which createSecretKey refuses, stays bytes).
  return bytes.length > 0 ? createSecretKey(bytes) : bytes;
}

/** A spec with its keys derived and node:crypto's primitives bound to them. */
export function buildScheme(spec: SchemeSpec, kg: KeyGenerators): Scheme {
  const info = schemeInfo(spec);
  if (spec.type === "gcm") {
    const key = { cipher: spec.cipher, secret: keyOf(spec.key, kg) };
    return { ...info, open: (value) => decryptGcm(value, key), seal: (plaintext) => encryptGcm(plaintext, key) };
  }
  if (spec.type === "cbc") {
    const key = { secret: keyOf(spec.key, kg), signSecret: keyOf(spec.signKey, kg), digest: spec.digest };
    return { ...info, open: (value) => decryptCbc(value, key), seal: (plaintext) => encryptCbc(plaintext, key) };
  }
  const key = { secret: keyOf(spec.key, kg), digest: spec.digest };
  return { ...info, open: (value) => verifySigned(value, key), seal: (plaintext) => generateSigned(plaintext, key) };
}

/** Reading order for `cookies.encrypted`; the first entry is the one that writes. */
export function encryptedSchemes(config: ResolvedConfig, kg: KeyGenerators = keyGeneratorCache()): Scheme[] {
  return encryptedSchemeSpecs(config).map((spec) => buildScheme(spec, kg));
}

/** Reading order for `cookies.signed`; the first entry is the one that writes. */
export function signedSchemes(config: ResolvedConfig, kg: KeyGenerators = keyGeneratorCache()): Scheme[] {
  return signedSchemeSpecs(config).map((spec) => buildScheme(spec, kg));
}
