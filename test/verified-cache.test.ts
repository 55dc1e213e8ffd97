/**
 * `verifiedCookieCache` (src/crypto/verifiedCache.ts): a cookie read again skips only its crypto.
 * Read through the cache, every cookie real Rails wrote gives exactly what a jar without one
 * gives; purpose and expiry are checked on every read, a changed byte never reaches the cache,
 * each read gets values of its own, and what the cache holds stays within its bound.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CookieJar, type CookieCodec } from "../src/jar.js";
import { createSessionStore, renewSession, resetSession, sessionState } from "../src/session/index.js";
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

/**
 * The cookie store reads through `CookieCodec.decodeShared`: a cookie the cache remembers is
 * deserialized once and its data shared, frozen, by every session loaded from it, until a
 * handler could change it (`ownData`, src/session/session.ts). What a session reads and writes
 * must be exactly what a store without the cache gives.
 */
describe("the session store's shared reads", () => {
  const sessionLinesOf = (lines: VectorLine[]) => lines.filter((l) => l.kind === "session");
  const storeFor = (line: VectorLine, now: () => Date, cache?: number) =>
    createSessionStore({ ...jarOptionsFor(line, now), key: line.session_key ?? line.name, expireAfter: line.expire_after, ...(cache === undefined ? {} : { verifiedCookieCache: cache }) });
  /** What one load answers: the data as Rails would read it, the id, the read error's code, and what commit writes. */
  function loaded(store: ReturnType<typeof createSessionStore>, line: VectorLine) {
    const session = store.load(`a=1; ${line.session_key ?? line.name}=${line.value}`);
    const state = sessionState(session)!;
    const readError = state.readError instanceof RailsCookieError ? state.readError.code : state.readError;
    return { data: asRailsReads(session.toHash()), id: session.id, readError, needsRewrite: state.needsRewrite, loadedFromCookie: state.loadedFromCookie };
  }

  for (const [file, lines] of [["rails-vectors", railsVectors], ["rails61", rails61]] as const) {
    it(`${file}: every session cookie, loaded three times through the shared reads, is what a store without the cache loads`, () => {
      const sessions = sessionLinesOf(lines);
      expect(sessions.length).toBeGreaterThan(50);
      let fromCookie = 0;
      for (const line of sessions) {
        const plain = storeFor(line, pinnedNow, 0);
        const cached = storeFor(line, pinnedNow);
        // Ids of a session without one are random: compare all but the id there.
        const expected = loaded(plain, line);
        const stable = (o: ReturnType<typeof loaded>) => (o.loadedFromCookie ? o : { ...o, id: "random", data: { ...(o.data as object), session_id: "random" } });
        for (let i = 0; i < 3; i++) expect(stable(loaded(cached, line)), `${describeLine(line)} load ${i + 1}`).toEqual(stable(expected));
        // An untouched session writes nothing more through the cache than without it.
        const a = plain.load(`${line.session_key ?? line.name}=${line.value}`);
        const b = cached.load(`${line.session_key ?? line.name}=${line.value}`);
        expect(plain.commit(a) === null, describeLine(line)).toBe(cached.commit(b) === null);
        if (expected.loadedFromCookie) fromCookie++;
      }
      expect(fromCookie).toBeGreaterThan(sessions.length / 2);
    });
  }

  const key = session80.session_key ?? session80.name;
  const header = `${key}=${session80.value}`;
  const rails = session80.rails_reads as Record<string, unknown>;

  it("the session80 vector holds nested values to change in place (else the isolation tests below prove nothing)", () => {
    const nestedKeys = Object.keys(rails).filter((k) => typeof rails[k] === "object" && rails[k] !== null);
    expect(nestedKeys.length).toBeGreaterThanOrEqual(2);
  });

  /** Every way a handler changes a session, each on a fresh session loaded from the same remembered cookie. */
  const changes: Record<string, (s: Record<string, unknown> & { toHash(): Record<string, unknown> }) => void> = {
    "set a key": (s) => { s["user_id"] = 999; },
    "delete a key": (s) => { delete s[Object.keys(rails).find((k) => k !== "session_id")!]; },
    "change a nested value in place": (s) => {
      const k = Object.keys(rails).find((n) => typeof rails[n] === "object" && rails[n] !== null && !Array.isArray(rails[n]))!;
      (s[k] as Record<string, unknown>)["added"] = "x";
    },
    "push onto a nested Array": (s) => {
      const k = Object.keys(rails).find((n) => Array.isArray(rails[n]));
      if (k === undefined) throw new Error("session80 has no Array");
      (s[k] as unknown[]).push("pushed");
    },
    "change what toHash returned": (s) => {
      const h = s.toHash();
      h["user_id"] = 1;
      for (const v of Object.values(h)) if (typeof v === "object" && v !== null && !Array.isArray(v)) (v as Record<string, unknown>)["deep"] = 1;
    },
    "Object.defineProperty": (s) => { Object.defineProperty(s, "defined", { value: 1, enumerable: true }); },
    "a descriptor's value changed in place": (s) => {
      for (const k of Object.keys(rails)) {
        const d = Object.getOwnPropertyDescriptor(s, k)!;
        if (Array.isArray(d.value)) d.value.length = 0;
      }
    },
    reset: (s) => {
      resetSession(s as never);
      s["after"] = 1;
      expect(Object.keys(s).sort()).toEqual(["after", "session_id"]);
    },
    renew: (s) => { renewSession(s as never); },
  };

  for (const [what, change] of Object.entries(changes)) {
    it(`${what}: the change is this session's alone; the other sessions of the cookie and later loads read what Rails read`, () => {
      const store = createSessionStore({ ...jarOptionsFor(session80, pinnedNow), key });
      const warm = store.load(header); // remembered, and its shared view built
      expect(sessionState(warm)!.shared).not.toBeNull();
      const a = store.load(header);
      const b = store.load(header);
      change(a as never);
      expect(asRailsReads(b.toHash())).toEqual(rails);
      expect(asRailsReads(store.load(header).toHash())).toEqual(rails);
      // A changed, B did not: only A writes, and what A writes reads back with A's change.
      const written = store.commit(a);
      expect(written).not.toBeNull();
      expect(store.commit(b)).toBeNull();
      const back = store.load(written!.slice(0, written!.indexOf(";")));
      expect(asRailsReads(back.toHash())).toEqual(asRailsReads(a.toHash()));
      expect(asRailsReads(back.toHash())).not.toEqual(rails);
      expect(asRailsReads(store.load(header).toHash())).toEqual(rails);
    });
  }

  it("a handler reading only plain values keeps the shared view and writes nothing; reading an object makes the data its own", () => {
    const store = createSessionStore({ ...jarOptionsFor(session80, pinnedNow), key });
    store.load(header);
    const s = store.load(header);
    const plainKeys = Object.keys(rails).filter((k) => typeof rails[k] !== "object" || rails[k] === null);
    expect(plainKeys.length).toBeGreaterThan(0);
    for (const k of plainKeys) expect(asRailsReads(s[k])).toEqual(rails[k]);
    expect("user_id" in s || !("user_id" in rails)).toBe(true);
    expect(sessionState(s)!.shared).not.toBeNull();
    expect(store.commit(s)).toBeNull();
    const t = store.load(header);
    const objectKey = Object.keys(rails).find((k) => typeof rails[k] === "object" && rails[k] !== null)!;
    void t[objectKey];
    expect(sessionState(t)!.shared).toBeNull();
    expect(store.commit(t)).toBeNull(); // read, not changed: still nothing to write
    // Listing the keys reads each property's descriptor, values included: it makes the data its own too.
    const u = store.load(header);
    expect(Object.keys(u).sort()).toEqual(Object.keys(rails).sort());
    expect(sessionState(u)!.shared).toBeNull();
    expect(store.commit(u)).toBeNull();
  });

  it("the shared data is frozen: a write that goes around the session (its state) throws instead of reaching other sessions", () => {
    const store = createSessionStore({ ...jarOptionsFor(session80, pinnedNow), key });
    store.load(header);
    const state = sessionState(store.load(header))!;
    expect(Object.isFrozen(state.data)).toBe(true);
    expect(() => { state.data["user_id"] = 1; }).toThrow(TypeError);
    expect(asRailsReads(store.load(header).toHash())).toEqual(rails);
  });

  it("a shared read is kept per prepare function: another reader of the same remembered cookie gets its own view", () => {
    const jar = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 });
    const keys = (v: unknown) => Object.keys(v as object).sort();
    const whole = (v: unknown, shared: boolean) => ({ v, shared });
    for (let i = 0; i < 2; i++) expect(jar.session.decodeShared(session80.name, session80.value, keys).value).toEqual(Object.keys(rails).sort());
    const first = jar.session.decodeShared(session80.name, session80.value, whole);
    expect(first.value.shared).toBe(true);
    expect(asRailsReads(first.value.v)).toEqual(rails);
    expect(jar.session.decodeShared(session80.name, session80.value, whole)).toBe(first);
    const own = first.copy();
    expect(own.shared).toBe(false);
    expect(own.v).not.toBe(first.value.v);
    expect(asRailsReads(own.v)).toEqual(rails);
  });

  it("purpose: a remembered cookie read through decodeShared under another name is refused", () => {
    const jar = new CookieJar({ ...jarOptionsFor(session80, pinnedNow), verifiedCookieCache: 10 });
    const prepare = (v: unknown) => v;
    for (let i = 0; i < 2; i++) expect(asRailsReads(jar.session.decodeShared(session80.name, session80.value, prepare).value)).toEqual(rails);
    expect(() => jar.session.decodeShared("_other_session", session80.value, prepare)).toThrow(expect.objectContaining({ code: "wrong_purpose" }));
    // And the store under another key starts fresh rather than read it.
    const other = createSessionStore({ ...jarOptionsFor(session80, pinnedNow), key: "_other_session" });
    const s = other.load(`_other_session=${session80.value}`);
    expect(sessionState(s)!.loadedFromCookie).toBe(false);
  });

  it("expiry: an expiring session read (and shared) before its exp is refused after it, and read again before it", () => {
    const expiring = railsVectors.filter((l) => l.kind === "session" && l.expire_after !== null && l.scenario === "session_rich");
    expect(expiring.length).toBeGreaterThan(0);
    let checked = 0;
    for (const line of expiring) {
      let now = pinnedNow();
      const jar = new CookieJar({ ...jarOptionsFor(line, () => now), verifiedCookieCache: 10 });
      const first = jar.session.decode(line.name, line.value);
      if (first.expiresAt === null) continue; // Rails put no exp in this envelope (older defaults)
      const store = createSessionStore({ ...jarOptionsFor(line, () => now), key: line.session_key ?? line.name, expireAfter: line.expire_after });
      const h = `${line.session_key ?? line.name}=${line.value}`;
      for (let i = 0; i < 2; i++) expect(sessionState(store.load(h))!.loadedFromCookie, describeLine(line)).toBe(true);
      now = new Date(first.expiresAt.getTime() + 1000);
      const late = sessionState(store.load(h))!;
      expect(late.loadedFromCookie, describeLine(line)).toBe(false);
      expect(late.readError).toEqual(expect.objectContaining({ code: "expired" }));
      now = pinnedNow();
      expect(asRailsReads(store.load(h).toHash())).toEqual(line.rails_reads);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
