/**
 * `verifiedCookieCache` (src/crypto/verifiedCache.ts): a cookie read again skips only its crypto.
 * Read through the cache, every cookie real Rails wrote gives exactly what a jar without one
 * gives; purpose and expiry are checked on every read, a changed byte never reaches the cache,
 * each read gets values of its own, and what the cache holds stays within its bound.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CookieJar, type CookieCodec } from "../src/jar.js";
import { createSessionStore } from "../src/session/index.js";
import { RailsCookieError } from "../src/errors.js";
import { VerifiedCache } from "../src/crypto/verifiedCache.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { PINNED, pinnedNow } from "./helpers/clock.js";

const railsVectors = loadVectorFile("rails-vectors/vectors.jsonl");
const rails61 = loadVectorFile("rails61/vectors.jsonl");

const codecOf = (jar: CookieJar, line: VectorLine): CookieCodec =>
  line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;

/** What a read answers: the whole DecodedCookie, or the error's code. */
function outcome(codec: CookieCodec, name: string, raw: string): unknown {
  try {
    const d = codec.decode(name, raw);
    return { ...d, value: asRailsReads(d.value), payload: Buffer.from(d.payload).toString("hex") };
  } catch (error) {
    if (!(error instanceof RailsCookieError)) throw error;
    return { code: error.code };
  }
}

describe("every Rails-written cookie reads the same through the cache", () => {
  for (const [file, lines] of [["rails-vectors", railsVectors], ["rails61", rails61]] as const) {
    it(`${file}: ${lines.length} lines, each read three times (a miss, then two hits), equal to a jar without the cache`, () => {
      let readable = 0;
      for (const line of lines) {
        const plain = codecOf(new CookieJar(jarOptionsFor(line, pinnedNow)), line);
        const cached = codecOf(new CookieJar({ ...jarOptionsFor(line, pinnedNow), verifiedCookieCache: 4 }), line);
        const expected = outcome(plain, line.name, line.value);
        for (let i = 0; i < 3; i++) expect(outcome(cached, line.name, line.value), `${describeLine(line)} read ${i + 1}`).toEqual(expected);
        if (!("code" in (expected as object))) readable++;
      }
      // Both files hold readable cookies (and the expired ones, which must stay refused).
      expect(readable).toBeGreaterThan(lines.length / 2);
    });
  }
});

// One Rails 8.0 session and one expiring encrypted cookie (Rails wrote `exp` 2099 into the envelope).
const session80 = railsVectors.find((l) => l.rails === "8.0.5" && l.defaults === "8.0" && l.serializer === "json" && l.scenario === "session_rich" && Object.keys(l.extra).length === 0)!;
const expiring80 = railsVectors.find((l) => l.rails === "8.0.5" && l.defaults === "8.0" && l.serializer === "json" && l.scenario === "encrypted_hash_expiring" && Object.keys(l.extra).length === 0)!;

describe("what the cache still checks on every read", () => {
  it("expiry: a cookie read (and remembered) before its exp is refused as expired after it", () => {
    let now = PINNED;
    const jar = new CookieJar({ ...jarOptionsFor(expiring80, () => now), verifiedCookieCache: 10 });
    const first = jar.encrypted.decode(expiring80.name, expiring80.value);
    expect(first.expiresAt).not.toBeNull();
    expect(asRailsReads(jar.encrypted.decode(expiring80.name, expiring80.value).value)).toEqual(expiring80.rails_reads);
    now = new Date(first.expiresAt!.getTime() + 1000);
    expect(() => jar.encrypted.decode(expiring80.name, expiring80.value)).toThrow(expect.objectContaining({ code: "expired" }));
    // And back before exp, it reads again (the clock, not the cache, decided).
    now = PINNED;
    expect(asRailsReads(jar.encrypted.get(expiring80.name, expiring80.value))).toEqual(expiring80.rails_reads);
  });

  it("purpose: a remembered session cookie presented under another name is refused, as without the cache", () => {
    const plain = new CookieJar(jarOptionsFor(session80, pinnedNow)).session;
    const cached = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 }).session;
    cached.decode(session80.name, session80.value);
    const expected = outcome(plain, "_other_session", session80.value);
    expect(expected).toEqual({ code: expect.any(String) });
    expect(outcome(cached, "_other_session", session80.value)).toEqual(expected);
    // The right name still reads.
    expect(asRailsReads(cached.get(session80.name, session80.value))).toEqual(session80.rails_reads);
  });

  it("any changed character of a remembered cookie is refused exactly as a jar without the cache refuses it (fast-check)", () => {
    const plain = new CookieJar(jarOptionsFor(session80, pinnedNow)).session;
    const cached = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 }).session;
    cached.decode(session80.name, session80.value);
    const raw = session80.value;
    fc.assert(
      fc.property(fc.nat(raw.length - 1), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-%"), (at, c) => {
        fc.pre(raw[at] !== c);
        const tampered = raw.slice(0, at) + c + raw.slice(at + 1);
        const got = outcome(cached, session80.name, tampered);
        expect(got).toEqual(outcome(plain, session80.name, tampered));
        // An escaped character changed into its unescaped twin may still read; nothing else does.
        if (!("code" in (got as object))) expect(decodeURIComponent(tampered)).toBe(decodeURIComponent(raw));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("what the cache holds", () => {
  it("each read gets values of its own: changing one read's value or payload changes no later read", () => {
    const jar = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 });
    const first = jar.session.decode<Record<string, unknown>>(session80.name, session80.value);
    first.value["user_id"] = "changed";
    first.payload.fill(0);
    const second = jar.session.decode<Record<string, unknown>>(session80.name, session80.value);
    expect(second.value).not.toBe(first.value);
    expect(asRailsReads(second.value)).toEqual(session80.rails_reads);
    second.payload.fill(0x20);
    expect(asRailsReads(jar.session.get(session80.name, session80.value))).toEqual(session80.rails_reads);
  });

  it("a non-enveloped cookie's payload (Rails 5.x, the plaintext itself) is not the cache's copy", () => {
    const line = rails61.find((l) => l.defaults === "5.2" && l.serializer === "json" && l.kind === "session" && l.scenario === "session_rich")!;
    const jar = new CookieJar({ ...jarOptionsFor(line, pinnedNow), verifiedCookieCache: 10 });
    for (let i = 0; i < 3; i++) {
      const d = jar.session.decode(line.name, line.value);
      expect(d.scheme.enveloped).toBe(false);
      expect(asRailsReads(d.value)).toEqual(line.rails_reads);
      d.payload.fill(0x7b);
    }
  });

  it("holds at most maxEntries, oldest out first, each a copy of the plaintext it was given", () => {
    const cache = new VerifiedCache<string>(3);
    const key = (i: number) => VerifiedCache.keyOf(`cookie ${i}`);
    for (let i = 0; i < 5; i++) cache.set(key(i), new Uint8Array([i]), `scheme ${i}`);
    expect(cache.size).toBe(3);
    expect(cache.get(key(0))).toBeUndefined();
    expect(cache.get(key(1))).toBeUndefined();
    expect(cache.get(key(4))?.scheme).toBe("scheme 4");
    // Its plaintext is a copy of what it was given.
    const given = new Uint8Array([1, 2, 3]);
    cache.set(key(9), given, "s");
    given[0] = 9;
    expect([...cache.get(key(9))!.plaintext]).toEqual([1, 2, 3]);
  });

  it("a refused cookie is not remembered: expired, wrong purpose, tampered", () => {
    const expired = railsVectors.find((l) => l.scenario === "encrypted_expired" && l.rails === "8.0.5")!;
    const jar = new CookieJar({ ...jarOptionsFor(expired, pinnedNow), verifiedCookieCache: 10 });
    for (let i = 0; i < 2; i++) expect(() => jar.encrypted.decode(expired.name, expired.value)).toThrow(expect.objectContaining({ code: "expired" }));
    expect(jar.encrypted.verifiedCookieCount).toBe(0);

    const sessions = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 }).session;
    expect(sessions.get("_other_session", session80.value)).toBeNull();
    expect(sessions.get(session80.name, session80.value.slice(0, -4) + "AAA=")).toBeNull();
    expect(sessions.get(session80.name, "junk")).toBeNull();
    expect(sessions.verifiedCookieCount).toBe(0);
    expect(sessions.get(session80.name, session80.value)).not.toBeNull();
    expect(sessions.get(session80.name, session80.value)).not.toBeNull();
    expect(sessions.verifiedCookieCount).toBe(1);
  });

  it("the option is a whole number of entries; 0 and no option mean no cache", () => {
    for (const bad of [-1, 1.5, Number.NaN, "10"]) {
      expect(() => new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: bad as number })).toThrow(expect.objectContaining({ code: "invalid_option" }));
    }
    expect(new CookieJar(jarOptionsFor(session80, pinnedNow)).config.verifiedCookieCache).toBe(0);
  });

  it("the session store remembers 1000 by default, and `verifiedCookieCache: 0` turns it off", () => {
    const options = { ...jarOptionsFor(session80, pinnedNow), key: session80.name };
    expect(createSessionStore(options).jar.config.verifiedCookieCache).toBe(1000);
    expect(createSessionStore({ ...options, verifiedCookieCache: 0 }).jar.config.verifiedCookieCache).toBe(0);
    expect(createSessionStore({ ...options, verifiedCookieCache: 5 }).jar.config.verifiedCookieCache).toBe(5);
  });
});
