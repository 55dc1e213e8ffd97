/**
 * Issue 11, point 11: the `_rails` envelope is read exactly as strictly as Rails reads it
 * (activesupport/lib/active_support/messages/metadata.rb, read at v5.2.8, v6.0.6, v6.1.7, v7.0.10,
 * v7.1.6, v7.2.3, v8.0.5):
 * - `pur`: `pur.to_s == purpose.to_s`, so only a String (or null / "" for no purpose) can match;
 *   an Array such as `["cookie.c"]` is `'["cookie.c"]'` to Ruby and never matches;
 * - `exp`: a String goes through `Time.iso8601` (Ruby's time.rb `xmlschema`: date, `T`, time, an
 *   optional fraction and zone; a bare date raises); `nil` never expires; a number is compared
 *   with `Time.now.utc` through ActiveSupport's `Time#compare_with_coercion`, as an astronomical
 *   Julian Day (found with real Rails 6.1 below); anything else makes Rails raise, except
 *   `false`, which 7.1+ skips (`if hash["exp"] && …`).
 *
 * Ground truth: real Rails 6.1 reads every variant here through rails-fixture-app (it must accept
 * exactly what Node accepts), and every envelope that real Rails 6.1–8.0 wrote in the shared vectors
 * is re-sealed with its `pur` or `exp` changed the way the issue found us too lenient.
 */
import { describe, expect, it } from "vitest";
import { CookieJar } from "../src/jar.js";
import { RailsCookieError } from "../src/errors.js";
import { parseIso8601 } from "../src/envelope/metadata.js";
import { describeLine, jarOptionsFor, loadVectorFile } from "./helpers/vectors.js";
import { describeWithRails, railsRead, type RailsConfig } from "./helpers/rails.js";
import { envelopeText, sealRaw } from "./helpers/hostile.js";

const secretKeyBase = "fedcba9876543210".repeat(8);
const NOW = "2026-11-21T00:00:00Z";
const now = () => new Date(NOW);
const message = Buffer.from('"v"');

/** exp and pur as raw JSON text. */
const variants: Array<{ exp: string; pur: string }> = [
  { exp: "null", pur: '"cookie.c"' },
  { exp: "null", pur: '["cookie.c"]' },
  { exp: "null", pur: "[]" },
  { exp: "null", pur: "{}" },
  { exp: "null", pur: "5" },
  { exp: "null", pur: "false" },
  { exp: "null", pur: '""' },
  { exp: "null", pur: "null" },
  { exp: '"2099-01-01"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T00:00:00Z"', pur: '"cookie.c"' },
  { exp: '"2099-01-01t00:00:00z"', pur: '"cookie.c"' },
  { exp: '" 2099-01-01T00:00:00.123+05:30\\n"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T00:00:00+05"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T00:00:00"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T00:00"', pur: '"cookie.c"' },
  { exp: '"2099-13-01T00:00:00Z"', pur: '"cookie.c"' },
  { exp: '"2099-02-30T00:00:00Z"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T24:00:00Z"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T24:00:01Z"', pur: '"cookie.c"' },
  { exp: '"2099-01-01T00:00:00+24:00"', pur: '"cookie.c"' },
  { exp: '"+2099-01-01T00:00:00Z"', pur: '"cookie.c"' },
  { exp: '"March 7, 2099"', pur: '"cookie.c"' },
  { exp: '"2001-01-01T00:00:00Z"', pur: '"cookie.c"' },
  { exp: "4102444800", pur: '"cookie.c"' },
  { exp: "2461000", pur: '"cookie.c"' },
  { exp: "2470000.5", pur: '"cookie.c"' },
  { exp: "true", pur: '"cookie.c"' },
  { exp: "false", pur: '"cookie.c"' },
  { exp: '["2099-01-01T00:00:00Z"]', pur: '"cookie.c"' },
];

/** What the Node jar of `loadDefaults`/`railsVersion` makes of one variant: "accepted" or the error code. */
function nodeReads(jar: CookieJar, raw: string): string {
  try {
    expect(jar.encrypted.decode("c", raw).value).toBe("v");
    return "accepted";
  } catch (error) {
    if (error instanceof RailsCookieError) return error.code;
    throw error;
  }
}

describe("Time.iso8601 as Ruby's time.rb reads it", () => {
  it("takes what the xmlschema pattern takes, with Ruby's range checks and roll-overs", () => {
    expect(parseIso8601("2099-01-01T00:00:00.123Z")?.toISOString()).toBe("2099-01-01T00:00:00.123Z");
    expect(parseIso8601("2099-02-30T00:00:00Z")?.toISOString()).toBe("2099-03-02T00:00:00.000Z");
    expect(parseIso8601("2099-01-01T23:59:60Z")?.toISOString()).toBe("2099-01-02T00:00:00.000Z");
    expect(parseIso8601("2099-01-01T00:00:00+05:99")?.toISOString()).toBe("2098-12-31T17:21:00.000Z");
    for (const bad of ["2099-01-01", "2099-01-01T00:00", "2099-00-01T00:00:00Z", "2099-01-32T00:00:00Z", "2099-01-01T24:01:00Z", "2099-01-01T00:60:00Z", "2099-01-01T00:00:00+1:00", "2099-01-01T00:00:00.Z", "２099-01-01T00:00:00Z"]) {
      expect(parseIso8601(bad), bad).toBeNull();
    }
  });
});

describe("the envelope of every cookie real Rails 6.1–8.0 wrote, re-sealed with a looser pur or exp", () => {
  const lines = loadVectorFile("rails-vectors/vectors.jsonl").filter((l) => l.kind !== "signed");
  for (const line of lines) {
    const jar = new CookieJar(jarOptionsFor(line, now));
    const decoded = jar.encrypted.decode.bind(jar.encrypted);
    let original: ReturnType<typeof decoded> | undefined;
    try {
      original = decoded(line.name, line.value);
    } catch {
      continue; // expired vectors: covered by test/vectors.test.ts
    }
    if (!original.scheme.enveloped || original.purpose === null) continue;
    const exp = original.expiresAt === null ? "null" : JSON.stringify(original.expiresAt.toISOString());
    it(describeLine(line), () => {
      const reseal = (e: string, p: string) => sealRaw(jar, envelopeText(original!.payload, e, p));
      // The same envelope, re-sealed: still read (the test harness itself is sound) …
      expect(decoded(line.name, reseal(exp, JSON.stringify(original!.purpose))).value).toEqual(original!.value);
      // … but not with its purpose in an Array, nor with a bare date as expiry.
      expect(() => decoded(line.name, reseal(exp, JSON.stringify([original!.purpose])))).toThrow(expect.objectContaining({ code: "wrong_purpose" }));
      expect(() => decoded(line.name, reseal('"2099-01-01"', JSON.stringify(original!.purpose)))).toThrow(expect.objectContaining({ code: "bad_format" }));
    });
  }
});

describe("exp: false is no expiry from Rails 7.1 (`if hash[\"exp\"] && …`), and makes Rails ≤ 7.0 raise", () => {
  for (const [loadDefaults, accepted] of [["6.0", false], ["7.0", false], ["7.1", true], ["8.0", true]] as const) {
    it(`load_defaults ${loadDefaults}`, () => {
      const jar = new CookieJar({ secretKeyBase, loadDefaults, cookiesSerializer: "json", now });
      expect(nodeReads(jar, sealRaw(jar, envelopeText(message, "false", '"cookie.c"')))).toBe(accepted ? "accepted" : "bad_format");
    });
  }
});

describeWithRails("real Rails 6.1 reads each envelope variant exactly as Node does", () => {
  const config: RailsConfig = { defaults: "6.1", serializer: "json", secret_key_base: secretKeyBase, session_key: "_app_session", expire_after: null, extra: {} };

  it(`${variants.length} variants of exp and pur`, async () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "json", now });
    const cookies = variants.map((v) => sealRaw(jar, envelopeText(message, v.exp, v.pur)));
    const rails = await railsRead(config, cookies.map((value) => ({ kind: "encrypted" as const, name: "c", value, now: NOW })), { allowErrors: true });
    const table = variants.map((v, i) => ({
      ...v,
      rails: rails[i]!.error === undefined && rails[i]!.rails_reads === "v" ? "accepted" : "refused",
      node: nodeReads(jar, cookies[i]!) === "accepted" ? "accepted" : "refused",
    }));
    expect(table.filter((r) => r.rails !== r.node)).toEqual([]);
    // Both sides accepted some and refused some: the comparison has teeth.
    expect(new Set(table.map((r) => r.rails))).toEqual(new Set(["accepted", "refused"]));
  });
});

describe("an envelope nested past Ruby's JSON limit", () => {
  it("pur or exp 4000 levels deep: a typed error, never a RangeError", () => {
    for (const loadDefaults of ["6.1", "7.1"] as const) {
      const jar = new CookieJar({ secretKeyBase, loadDefaults, cookiesSerializer: "json", now });
      const deep = "[".repeat(4000) + "]".repeat(4000);
      for (const [exp, pur] of [["null", deep], [deep, '"cookie.c"']]) {
        const raw = sealRaw(jar, envelopeText(message, exp!, pur!));
        expect(nodeReads(jar, raw), `${loadDefaults} ${exp === "null" ? "pur" : "exp"}`).not.toBe("accepted");
      }
    }
  });
});
