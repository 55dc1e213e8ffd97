/**
 * The Web Crypto backend of the scheme layer: each `SchemeSpec` (src/schemes.ts, Rails' order and
 * keys, shared with the node:crypto backend) becomes an `AsyncScheme`. Every key is derived and
 * imported here, once per jar, in parallel; requests then only encrypt, decrypt, sign or verify.
 */
import type { ResolvedConfig } from "../config.js";
import { encryptedSchemeSpecs, signedSchemeSpecs, schemeInfo, type AsyncScheme, type KeySpec, type SchemeSpec } from "../schemes.js";
import { KeyGenerator } from "./keyGenerator.js";
import { decryptCbc, decryptGcm, encryptCbc, encryptGcm, importAesKey } from "./messageEncryptor.js";
import { generateSigned, importHmacKey, verifySigned } from "./messageVerifier.js";

/** One Web Crypto `KeyGenerator` (one PBKDF2 key, one cache) per secret and PRF, shared by a jar's schemes. */
function keyGeneratorCache(): (spec: Exclude<KeySpec, Uint8Array>) => KeyGenerator {
  const cache = new Map<string, KeyGenerator>();
  return (spec) => {
    const id = `${spec.hashDigestClass}|${spec.secretKeyBase}`;
    let generator = cache.get(id);
    if (!generator) {
      generator = new KeyGenerator(spec.secretKeyBase, { hashDigestClass: spec.hashDigestClass });
      cache.set(id, generator);
    }
    return generator;
  };
}

async function buildScheme(spec: SchemeSpec, kg: ReturnType<typeof keyGeneratorCache>): Promise<AsyncScheme> {
  const keyOf = (k: KeySpec): Promise<Uint8Array> | Uint8Array => (k instanceof Uint8Array ? k : kg(k).generateKey(k.salt, k.size));
  const info = schemeInfo(spec);
  if (spec.type === "gcm") {
    const key = await importAesKey(await keyOf(spec.key), "AES-GCM");
    return { ...info, open: (value) => decryptGcm(value, key), seal: (plaintext) => encryptGcm(plaintext, key) };
  }
  if (spec.type === "cbc") {
    const [secret, signSecret] = await Promise.all([keyOf(spec.key), keyOf(spec.signKey)]);
    const key = { key: await importAesKey(secret, "AES-CBC"), verifier: await importHmacKey(signSecret, spec.digest) };
    return { ...info, open: (value) => decryptCbc(value, key), seal: (plaintext) => encryptCbc(plaintext, key) };
  }
  const key = await importHmacKey(await keyOf(spec.key), spec.digest);
  return { ...info, open: (value) => verifySigned(value, key), seal: (plaintext) => generateSigned(plaintext, key) };
}

/** Both reading orders of a jar on Web Crypto, keys derived. */
export async function webCryptoSchemes(config: ResolvedConfig): Promise<{ encrypted: AsyncScheme[]; signed: AsyncScheme[] }> {
  const kg = keyGeneratorCache();
  const [encrypted, signed] = await Promise.all([
    Promise.all(encryptedSchemeSpecs(config).map((spec) => buildScheme(spec, kg))),
    Promise.all(signedSchemeSpecs(config).map((spec) => buildScheme(spec, kg))),
  ]);
  return { encrypted, signed };
}
