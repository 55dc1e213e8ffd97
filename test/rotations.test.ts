/**
 * Rotations and built-in fallbacks, in Rails' order (spec §7), proven on cookies real Rails wrote:
 * a jar configured the *new* way reads cookies an app wrote the *old* way, says `needsRewrite`, and
 * its `set` writes the primary format.
 */
import { describe, expect, it } from "vitest";
import { CookieJar } from "../src/index.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { pinnedNow } from "./helpers/clock.js";

const lines = loadVectorFile("rails-vectors/vectors.jsonl").filter((l) => l.rails_reads !== null && l.serializer === "json");
const now = pinnedNow;
const pick = (predicate: (l: VectorLine) => boolean) => {
  const found = lines.filter(predicate);
  expect(found.length).toBeGreaterThan(0);
  return found;
};

describe("built-in fallbacks", () => {
  it("GCM primary reads CBC cookies (5.2+) and asks for a rewrite", () => {
    const cbc = pick((l) => l.extra["action_dispatch.use_authenticated_cookie_encryption"] === false && l.kind !== "signed");
    for (const line of cbc) {
      const options = jarOptionsFor(line, now);
      delete (options as Record<string, unknown>)["useAuthenticatedCookieEncryption"];
      const jar = new CookieJar(options);
      const decoded = jar.encrypted.decode(line.name, line.value);
      expect(decoded.value, describeLine(line)).toEqual(line.rails_reads);
      expect(decoded.scheme.source).toBe("fallback");
      expect(decoded.scheme.protection).toBe("aes-256-cbc+hmac-sha1");
      expect(decoded.needsRewrite).toBe(true);
      // Written back with the primary: GCM.
      const rewritten = jar.encrypted.set(line.name, decoded.value);
      expect(jar.encrypted.decode(line.name, rewritten).scheme.source).toBe("primary");
      expect(decodeURIComponent(rewritten).split("--")).toHaveLength(3);
    }
  });

  it("CBC primary reads GCM cookies from Rails 6.1 on, not before", () => {
    const gcm = pick((l) => l.defaults === "6.1" && l.kind === "session" && Object.keys(l.extra).length === 0);
    for (const line of gcm) {
      const cbcApp = new CookieJar({ ...jarOptionsFor(line, now), useAuthenticatedCookieEncryption: false });
      const decoded = cbcApp.encrypted.decode(line.name, line.value);
      expect(decoded.value, describeLine(line)).toEqual(line.rails_reads);
      expect(decoded.scheme.source).toBe("fallback");
      expect(decoded.needsRewrite).toBe(true);
      const on60 = new CookieJar({ ...jarOptionsFor(line, now), loadDefaults: "6.0", railsVersion: "6.0", useAuthenticatedCookieEncryption: false });
      expect(on60.encrypted.get(line.name, line.value)).toBeNull();
    }
  });
});

describe("cookies_rotations", () => {
  it("the 7.0 upgrade: a SHA256 app with a SHA1 rotation reads cookies written under SHA1 key derivation", () => {
    const sha1 = pick((l) => l.extra["active_support.key_generator_hash_digest_class"] === "OpenSSL::Digest::SHA1");
    for (const line of sha1) {
      const options = jarOptionsFor(line, now);
      delete (options as Record<string, unknown>)["keyGeneratorHashDigestClass"];
      const plain = new CookieJar(options);
      const codec = (j: CookieJar) => (line.kind === "signed" ? j.signed : j.encrypted);
      expect(codec(plain).get(line.name, line.value), describeLine(line)).toBeNull();

      const rotated = new CookieJar({
        ...options,
        cookiesRotations: { encrypted: [{ keyGeneratorHashDigestClass: "SHA1" }], signed: [{ keyGeneratorHashDigestClass: "SHA1" }] },
      });
      const decoded = codec(rotated).decode(line.name, line.value);
      expect(decoded.value).toEqual(line.rails_reads);
      expect(decoded.scheme).toMatchObject({ source: "rotation", rotationIndex: 0, keyDerivation: "pbkdf2-sha1" });
      expect(decoded.needsRewrite).toBe(true);
      const rewritten = codec(rotated).set(line.name, decoded.value);
      expect(codec(rotated).decode(line.name, rewritten).scheme.keyDerivation).toBe("pbkdf2-sha256");
    }
  });

  it("a secret_key_base rotation reads cookies of the old secret, after the new one", () => {
    const line = pick((l) => l.rails === "8.0.5" && l.kind === "session" && Object.keys(l.extra).length === 0)[0]!;
    const jar = new CookieJar({
      ...jarOptionsFor(line, now),
      secretKeyBase: "f".repeat(128),
      cookiesRotations: { encrypted: [{ secretKeyBase: "e".repeat(128) }, { secretKeyBase: line.secret_key_base }] },
    });
    const decoded = jar.encrypted.decode(line.name, line.value);
    expect(decoded.value).toEqual(line.rails_reads);
    expect(decoded.scheme).toMatchObject({ source: "rotation", rotationIndex: 1 });
    expect(decoded.needsRewrite).toBe(true);
  });

  it("custom salts are honoured, and rotations inherit them", () => {
    const salted = pick((l) => "action_dispatch.signed_cookie_salt" in l.extra);
    for (const line of salted) {
      const jar = new CookieJar(jarOptionsFor(line, now));
      const codec = line.kind === "signed" ? jar.signed : jar.encrypted;
      expect(codec.get(line.name, line.value), describeLine(line)).toEqual(line.rails_reads);
      const defaults = new CookieJar({ secretKeyBase: line.secret_key_base, loadDefaults: line.defaults as "6.1", railsVersion: line.rails, now });
      expect((line.kind === "signed" ? defaults.signed : defaults.encrypted).get(line.name, line.value)).toBeNull();
    }
  });

  it("signed_cookie_digest SHA256 cookies need the digest; a rotation with it reads them", () => {
    const sha256 = pick((l) => l.extra["action_dispatch.signed_cookie_digest"] === "SHA256" && l.kind === "signed");
    for (const line of sha256) {
      const options = jarOptionsFor(line, now);
      delete (options as Record<string, unknown>)["signedCookieDigest"];
      const rotated = new CookieJar({ ...options, cookiesRotations: { signed: [{ digest: "SHA256" }] } });
      const decoded = rotated.signed.decode(line.name, line.value);
      expect(decoded.value, describeLine(line)).toEqual(line.rails_reads);
      expect(decoded.scheme).toMatchObject({ source: "rotation", protection: "hmac-sha256" });
    }
  });
});

describe("a CBC rotation with its own digest", () => {
  const rails51 = loadVectorFile("rails61/vectors.jsonl").filter((l) => l.scenario === "encrypted_rails51_cbc_sha256");

  it("reads the Rails 5.1-style AES-CBC + HMAC-SHA256 cookies Rails 6.1 read, and only with that digest", () => {
    expect(rails51.length).toBeGreaterThan(0);
    for (const line of rails51) {
      // A CBC app without cookies_digest: its primary signs with SHA1, its fallback is GCM.
      const base = { secretKeyBase: line.secret_key_base, loadDefaults: "6.1" as const, cookiesSerializer: line.serializer as "json", useAuthenticatedCookieEncryption: false, now };
      expect(new CookieJar(base).encrypted.get(line.name, line.value), describeLine(line)).toBeNull();

      const jar = new CookieJar({ ...base, cookiesRotations: { encrypted: [{ cipher: "aes-256-cbc", digest: "SHA256" }] } });
      const decoded = jar.encrypted.decode(line.name, line.value);
      expect(asRailsReads(decoded.value)).toEqual(line.rails_reads);
      expect(decoded.scheme).toMatchObject({ source: "rotation", protection: "aes-256-cbc+hmac-sha256", keyDerivation: "pbkdf2-sha1" });
      expect(decoded.needsRewrite).toBe(true);
    }
  });
});
