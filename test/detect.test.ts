/**
 * Auto-detection (src/detect.ts) against every cookie real Rails wrote:
 * fixtures/rails-vectors (Rails 6.1, 7.0, 7.1, 7.2, 8.0; copied unchanged from shared/rails-vectors)
 * and fixtures/rails61 (rails-fixture-app, Rails 6.1.7.10 with load_defaults 5.0–6.1).
 *
 * For each line: given only the secret, `detectCookie` finds a configuration that reads the cookie to
 * exactly what Rails read (`rails_reads`), agrees with the line's own configuration on protection, key
 * derivation and serialization, and names options that a `CookieJar` reads it with again. Given the
 * line's whole configuration, it reads the same. Then `explainCookie` on broken variants of those
 * real cookies gives the most specific reason.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CookieJar, RailsCookieError, cookieShape, detectCookie, explainCookie, type DetectOptions } from "../src/index.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { pinnedNow } from "./helpers/clock.js";

// The vectors were written in November 2026; expiring ones expire in 2099, expired ones in 2001.
const now = pinnedNow;

const SALTS = {
  "action_dispatch.authenticated_encrypted_cookie_salt": "authenticatedEncryptedCookieSalt",
  "action_dispatch.encrypted_cookie_salt": "encryptedCookieSalt",
  "action_dispatch.encrypted_signed_cookie_salt": "encryptedSignedCookieSalt",
  "action_dispatch.signed_cookie_salt": "signedCookieSalt",
} as const;

/**
 * What a developer has without reading config/application.rb: the secret(s). Custom salts cannot be
 * guessed (they are PBKDF2 inputs, like the secret), so a line that sets them passes them too.
 */
function secretsOnly(line: VectorLine): DetectOptions {
  const options: Record<string, unknown> = { now };
  if (line.secret_key_base) options["secretKeyBase"] = line.secret_key_base;
  if (line.secret_token) options["secretToken"] = line.secret_token;
  for (const [setting, key] of Object.entries(SALTS)) if (setting in line.extra) options[key] = line.extra[setting];
  return options as DetectOptions;
}

/** The jar a line's own app reads it with (its whole configuration). */
function configuredCodec(line: VectorLine) {
  const jar = new CookieJar(jarOptionsFor(line, now));
  return line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;
}

const shared = loadVectorFile("rails-vectors/vectors.jsonl");
const rails61 = loadVectorFile("rails61/vectors.jsonl");
// Cookies written with an old secret and read through `cookies_rotations`: the old secret is part of
// the configuration, not something to detect (test/rotations.test.ts covers them).
const detectable = (l: VectorLine) => !("action_dispatch.cookies_rotations" in l.extra) && !/rotated|rails51_cbc/.test(l.scenario);

function checkLine(line: VectorLine) {
  if (line.rails_reads === null) {
    // Rails read nil: expired (encrypted_expired, session_expired).
    const result = explainCookie(line.value, secretsOnly(line));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe("expired");
    expect(result.found?.expiredAt?.getTime()).toBeLessThan(now().getTime());
    expect(result.reason).toContain(result.found!.expiredAt!.toISOString());
    expect(() => detectCookie(line.value, secretsOnly(line))).toThrow(expect.objectContaining({ code: "expired" }));
    return;
  }
  const detected = detectCookie(line.value, secretsOnly(line));
  expect(asRailsReads(detected.decoded.value)).toEqual(line.rails_reads);

  // The facts agree with how the line's own configuration reads it.
  const truth = configuredCodec(line).decode(line.name, line.value);
  expect(detected.decoded.scheme.protection).toBe(truth.scheme.protection);
  expect(detected.decoded.scheme.keyDerivation).toBe(truth.scheme.keyDerivation);
  expect(detected.decoded.scheme.serializer).toBe(truth.scheme.serializer);
  expect(detected.decoded.purpose).toBe(truth.purpose);
  expect(detected.decoded.expiresAt?.getTime()).toBe(truth.expiresAt?.getTime());
  if (truth.purpose !== null) expect(detected.name).toBe(line.name);
  if (line.kind === "signed") expect(detected.kind).toBe("signed");
  if (line.kind === "session") expect(["session", "signed", "encrypted"]).toContain(detected.kind);
  expect(detected.description).toContain(truth.purpose === null ? (truth.scheme.enveloped ? "no purpose" : "no metadata envelope") : `purpose ${truth.purpose}`);

  // The options it names read the cookie again through a plain CookieJar.
  const jar = new CookieJar({ ...detected.options, now });
  const codec = detected.decoded.scheme.protection.startsWith("hmac-") && detected.decoded.scheme.source !== "secret_token" ? jar.signed : jar.encrypted;
  expect(asRailsReads(codec.decode(detected.name, line.value).value)).toEqual(line.rails_reads);

  // Given the line's whole configuration, detection reads it the same way.
  const configured = detectCookie(line.value, { ...jarOptionsFor(line, now), name: line.name, kind: line.kind } as DetectOptions);
  expect(asRailsReads(configured.decoded.value)).toEqual(line.rails_reads);
  expect(configured.decoded.scheme.protection).toBe(truth.scheme.protection);
  expect(configured.description).toMatch(/^as configured \(load_defaults /);
}

describe("detectCookie on every cookie real Rails 6.1–8.0 wrote (fixtures/rails-vectors), given only the secret", () => {
  it("has all 410 lines", () => expect(shared).toHaveLength(410));
  for (const line of shared) it(describeLine(line), () => checkLine(line));
});

describe("detectCookie on rails-fixture-app cookies (Rails 6.1.7.10, load_defaults 5.0–6.1), given only the secret", () => {
  for (const line of rails61.filter(detectable)) it(describeLine(line), () => checkLine(line));
});

describe("detection names the configuration in words", () => {
  const find = (pred: (l: VectorLine) => boolean) => shared.find((l) => pred(l) && l.rails_reads !== null)!;

  it("Rails 8.0 defaults: AES-256-GCM with PBKDF2-SHA256 and the purpose", () => {
    const line = find((l) => l.rails.startsWith("8.0") && l.defaults === "8.0" && l.serializer === "json" && l.kind === "session" && Object.keys(l.extra).length === 0);
    const d = detectCookie(line.value, secretsOnly(line));
    expect(d.description).toBe(`Rails 7.0+ defaults: AES-256-GCM, PBKDF2-SHA256, purpose cookie.${line.name}, expires never, JSON`);
    expect(d.options).toMatchObject({ loadDefaults: "7.0", cookiesSerializer: "json" });
    expect(d.kind).toBe("session");
  });

  it("load_defaults 5.0 on Rails 7.1: AES-256-CBC + HMAC-SHA1 with PBKDF2-SHA1, no envelope", () => {
    const line = find((l) => l.rails.startsWith("7.1") && l.defaults === "5.0" && l.kind === "encrypted" && l.scenario === "encrypted_plain");
    const d = detectCookie(line.value, secretsOnly(line));
    expect(d.description).toMatch(/^Rails 4\.2–5\.1 defaults .*: AES-256-CBC \+ HMAC-SHA1, PBKDF2-SHA1, no metadata envelope, expires never, JSON$/);
  });

  it("message_pack on Rails 7.2 needs railsVersion 7.1+, and says MessagePack", () => {
    const line = find((l) => l.rails.startsWith("7.2") && l.serializer === "message_pack" && l.kind === "signed");
    const d = detectCookie(line.value, secretsOnly(line));
    expect(d.description).toMatch(/HMAC-SHA1 signed, PBKDF2-SHA256, purpose cookie\.\w+, expires never, MessagePack$/);
    expect(d.options.cookiesSerializer).toBe("message_pack");
  });

  it("the expiry in the envelope", () => {
    const line = find((l) => l.scenario === "encrypted_hash_expiring" && l.rails.startsWith("7.0"));
    const d = detectCookie(line.value, secretsOnly(line));
    expect(d.decoded.expiresAt?.getUTCFullYear()).toBe(2099);
    expect(d.description).toContain(`expires ${d.decoded.expiresAt!.toISOString()}`);
  });
});

describe("explainCookie gives the most specific true reason for real cookies made unreadable", () => {
  const gcmSession = shared.find((l) => l.rails.startsWith("8.0") && l.defaults === "8.0" && l.kind === "session" && l.serializer === "json" && Object.keys(l.extra).length === 0)!;
  const signed = shared.find((l) => l.rails.startsWith("7.1") && l.defaults === "7.1" && l.kind === "signed" && l.serializer === "json" && Object.keys(l.extra).length === 0)!;
  const cbc = shared.find((l) => l.defaults === "5.0" && l.kind === "encrypted" && l.scenario === "encrypted_plain")!;
  const marshal = shared.find((l) => l.rails.startsWith("7.2") && l.serializer === "marshal" && l.kind === "session")!;
  const otherSecret = "f".repeat(128);

  it("wrong secret on an AES-GCM cookie: bad_tag, listing what was tried", () => {
    const r = explainCookie(gcmSession.value, { secretKeyBase: otherSecret, now });
    expect(r).toMatchObject({ ok: false, code: "bad_tag" });
    if (r.ok) return;
    expect(r.reason).toMatch(/^authentication failed/);
    expect(r.tried).toEqual(expect.arrayContaining(["AES-256-GCM, PBKDF2-SHA256, default salts", "AES-256-GCM, PBKDF2-SHA1, default salts"]));
  });

  it("wrong secret on a signed cookie and on an AES-CBC cookie: bad_signature", () => {
    for (const line of [signed, cbc]) {
      const r = explainCookie(line.value, { secretKeyBase: otherSecret, now });
      expect(r).toMatchObject({ ok: false, code: "bad_signature" });
    }
  });

  it("one changed character: bad_tag", () => {
    const value = decodeURIComponent(gcmSession.value);
    const i = 10;
    const changed = value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
    expect(explainCookie(changed, secretsOnly(gcmSession))).toMatchObject({ ok: false, code: "bad_tag" });
  });

  it("a cookie renamed: wrong_purpose, naming the purpose found", () => {
    const r = explainCookie(gcmSession.value, { ...secretsOnly(gcmSession), name: "_other_session" });
    expect(r).toMatchObject({ ok: false, code: "wrong_purpose", found: { purpose: `cookie.${gcmSession.name}` } });
    if (!r.ok) expect(r.reason).toContain(`cookie.${gcmSession.name}`);
  });

  it("Marshal under cookies_serializer :json on Rails 7.1+: unsupported_serializer, naming Marshal", () => {
    const r = explainCookie(marshal.value, { ...secretsOnly(marshal), cookiesSerializer: "json" });
    expect(r).toMatchObject({ ok: false, code: "unsupported_serializer", found: { serializer: "marshal" } });
    if (!r.ok) expect(r.reason).toContain("Marshal");
  });

  it("junk and look-alikes: bad_format, saying what the string resembles", () => {
    const cases: [string, RegExp][] = [
      ["hello world", /no -- separator/],
      ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", /JWT/],
      ["0123456789abcdef0123456789abcdef", /session id/],
      ["YWJj--zzzz", /not a lower-case hex HMAC/],
      ["YWJj--YWJj--YWJj", /iv is 3 bytes/],
    ];
    for (const [junk, why] of cases) {
      const r = explainCookie(junk, { secretKeyBase: otherSecret });
      expect(r, junk).toMatchObject({ ok: false, code: "bad_format" });
      if (!r.ok) expect(r.reason, junk).toMatch(why);
    }
  });

  it("a kind that contradicts the shape is said so", () => {
    const r = explainCookie(gcmSession.value, { ...secretsOnly(gcmSession), kind: "signed" });
    expect(r).toMatchObject({ ok: false, code: "bad_format" });
    if (!r.ok) expect(r.reason).toMatch(/AES-GCM encrypted .* --kind signed does not read/);
  });

  it("settings that do not match the app (load_defaults 6.1 for a 7.0 cookie): bad_tag, and the secret alone opens it", () => {
    const line = shared.find((l) => l.rails.startsWith("7.0") && l.defaults === "7.0" && l.kind === "session" && l.serializer === "json" && Object.keys(l.extra).length === 0)!;
    const r = explainCookie(line.value, { ...secretsOnly(line), loadDefaults: "6.1" });
    expect(r).toMatchObject({ ok: false, code: "bad_tag", tried: ["AES-256-GCM, PBKDF2-SHA1, default salts"] });
    if (!r.ok) {
      expect(r.reason).toContain("the same secret opens it as AES-256-GCM, PBKDF2-SHA256");
      expect(r.reason).toContain('loadDefaults "6.1"');
    }
    // With another secret there is nothing to point at.
    const other = explainCookie(line.value, { secretKeyBase: otherSecret, loadDefaults: "6.1" });
    if (!other.ok) expect(other.reason).toMatch(/^authentication failed: /);
  });

  it("no secret: says what the cookie is and what is needed, without trying anything", () => {
    const r = explainCookie(gcmSession.value, {});
    expect(r).toMatchObject({ ok: false, code: "invalid_option", tried: [] });
    if (!r.ok) expect(r.reason).toMatch(/AES-GCM .*secret_key_base/);
  });

  it("cookieShape tells the three Rails formats apart on real cookies", () => {
    expect(cookieShape(decodeURIComponent(gcmSession.value)).shape).toBe("gcm");
    expect(cookieShape(decodeURIComponent(signed.value))).toMatchObject({ shape: "signed", digest: "SHA1" });
    expect(cookieShape(decodeURIComponent(cbc.value))).toMatchObject({ shape: "cbc", digest: "SHA1" });
  });
});

describe("hostile input: explainCookie never throws, detectCookie throws only RailsCookieError", () => {
  const line = shared.find((l) => l.rails.startsWith("8.0") && l.kind === "signed" && l.serializer === "json" && l.defaults === "8.0" && Object.keys(l.extra).length === 0)!;
  const gcm = shared.find((l) => l.rails.startsWith("7.2") && l.kind === "session" && l.serializer === "marshal")!;

  function check(raw: string, options: DetectOptions) {
    const r = explainCookie(raw, options);
    if (r.ok) expect(r.decoded).toBeDefined();
    else expect(typeof r.code).toBe("string");
    try {
      detectCookie(raw, options);
    } catch (error) {
      expect(error).toBeInstanceOf(RailsCookieError);
    }
  }

  it("arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (raw) => check(raw, { secretKeyBase: line.secret_key_base })), { numRuns: 300 });
  });

  it("real cookies with characters changed, cut or inserted", () => {
    for (const target of [line, gcm]) {
      const value = decodeURIComponent(target.value);
      const mutated = fc
        .tuple(fc.nat({ max: value.length - 1 }), fc.nat({ max: value.length }), fc.constantFrom("-", "=", "A", "%", "+", "/", "--", ""))
        .map(([i, j, c]) => value.slice(0, Math.min(i, j)) + c + value.slice(Math.max(i, j)));
      fc.assert(fc.property(mutated, (raw) => check(raw, secretsOnly(target))), { numRuns: 150 });
    }
  });
});
