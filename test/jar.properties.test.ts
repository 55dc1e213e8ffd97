/**
 * Properties of the whole codec, for every load_defaults preset and both jars:
 * write → read is the identity, any single changed character is refused, and no string makes
 * `get` throw or `decode` throw anything but a `RailsCookieError`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CookieJar, LOAD_DEFAULTS, RailsCookieError, type CookiesSerializer } from "../src/index.js";

const secretKeyBase = "0123456789abcdef".repeat(8);
const base64ish = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-";

// JSON-representable values as Rails' :json reads them back: no -0; integers beyond 2**53 are
// bigints in our mapping, not numbers; no top-level "_rails" key, which Rails 5.2–7.0 would take
// for an envelope (spec §11.3).
const withinMapping = (v: unknown): boolean =>
  typeof v === "number"
    ? !Number.isInteger(v) || Number.isSafeInteger(v)
    : v !== null && typeof v === "object"
      ? Object.values(v).every(withinMapping)
      : true;
const jsonValue = fc
  .jsonValue()
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => withinMapping(v) && !(v !== null && typeof v === "object" && !Array.isArray(v) && "_rails" in v));

const configurations = LOAD_DEFAULTS.flatMap((loadDefaults) =>
  (["json", "hybrid"] as CookiesSerializer[]).flatMap((cookiesSerializer) =>
    [true, false].map((useAuthenticatedCookieEncryption) => ({ loadDefaults, cookiesSerializer, useAuthenticatedCookieEncryption })),
  ),
);

describe.each(configurations)("load_defaults $loadDefaults, $cookiesSerializer, GCM $useAuthenticatedCookieEncryption", (options) => {
  const jar = new CookieJar({ secretKeyBase, ...options });

  for (const kind of ["encrypted", "signed"] as const) {
    const codec = jar[kind];

    it(`${kind}: write → read is the identity for any JSON value`, () => {
      fc.assert(
        fc.property(jsonValue, fc.option(fc.integer({ min: 1, max: 10 ** 9 }), { nil: undefined }), (value, expires) => {
          const cookie = codec.set("c", value, { expires: expires ?? null });
          const decoded = codec.decode("c", cookie);
          expect(decoded.value).toEqual(value);
          expect(decoded.needsRewrite).toBe(false);
          expect(codec.get("c", decodeURIComponent(cookie))).toEqual(value);
        }),
        { numRuns: 40 },
      );
    });

    it(`${kind}: any single changed character is refused`, () => {
      fc.assert(
        fc.property(jsonValue, fc.nat(), fc.constantFrom(...base64ish), (value, at, replacement) => {
          const cookie = decodeURIComponent(codec.set("c", value));
          const i = at % cookie.length;
          fc.pre(cookie[i] !== replacement);
          const tampered = cookie.slice(0, i) + replacement + cookie.slice(i + 1);
          expect(codec.get("c", tampered)).toBeNull();
          expect(() => codec.decode("c", tampered)).toThrow(RailsCookieError);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe("hostile strings", () => {
  const jars = [new CookieJar({ secretKeyBase, loadDefaults: "5.0" }), new CookieJar({ secretKeyBase, loadDefaults: "8.1" })];

  it("get never throws and decode only throws RailsCookieError, for any string", () => {
    const anyString = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.array(fc.constantFrom(...base64ish, "%", "%2B", "%3D"), { maxLength: 400 }).map((a) => a.join("")),
      fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join("--")),
    );
    fc.assert(
      fc.property(anyString, (raw) => {
        for (const jar of jars) {
          for (const codec of [jar.encrypted, jar.signed]) {
            expect(codec.get("c", raw)).toBeNull();
            try {
              codec.decode("c", raw);
            } catch (error) {
              expect(error).toBeInstanceOf(RailsCookieError);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a huge cookie is refused as too_large before any work", () => {
    const jar = jars[1]!;
    expect(() => jar.encrypted.decode("c", "A".repeat(5 * 1024 * 1024))).toThrow(expect.objectContaining({ code: "too_large" }));
  });

  it("a cookie from another name is refused as wrong_purpose (6.0+ metadata)", () => {
    const jar = jars[1]!;
    const cookie = jar.encrypted.set("a", { x: 1 });
    expect(() => jar.encrypted.decode("b", cookie)).toThrow(expect.objectContaining({ code: "wrong_purpose", found: "cookie.a" }));
  });

  it("a cookie signed with another secret is refused as bad_tag / bad_signature", () => {
    const other = new CookieJar({ secretKeyBase: "f".repeat(128) });
    const jar = jars[1]!;
    expect(() => jar.encrypted.decode("c", other.encrypted.set("c", 1))).toThrow(expect.objectContaining({ code: "bad_tag" }));
    expect(() => jar.signed.decode("c", other.signed.set("c", 1))).toThrow(expect.objectContaining({ code: "bad_signature" }));
  });

  it("writing more than 4096 bytes throws cookie_overflow", () => {
    const jar = jars[1]!;
    expect(() => jar.encrypted.set("c", "x".repeat(4000))).toThrow(expect.objectContaining({ code: "cookie_overflow" }));
  });

  it("expiry is enforced against the injected clock", () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const jar = new CookieJar({ secretKeyBase, now: () => now });
    const cookie = jar.encrypted.set("c", "v", { expires: 60 });
    expect(jar.encrypted.decode("c", cookie).expiresAt).toEqual(new Date("2030-01-01T00:01:00Z"));
    now = new Date("2030-01-01T00:01:00Z");
    expect(() => jar.encrypted.decode("c", cookie)).toThrow(expect.objectContaining({ code: "expired" }));
  });
});
