/**
 * The framework-agnostic session store (src/session/) against cookies real Rails wrote
 * (fixtures/rails-vectors, the shared vectors) and, where Ruby is installed, against real Rails
 * reading what the store writes (rails-fixture-app/bin/oracle via test/helpers/rails.ts).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createSessionStore, sessionState, type SessionStoreOptions } from "../src/session/index.js";
import { CookieJar } from "../src/jar.js";
import { parseCookieHeader } from "../src/cookie/escape.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { PINNED } from "./helpers/clock.js";
import { describeWithRails, railsRead, type RailsConfig } from "./helpers/rails.js";

const vectors = loadVectorFile("rails-vectors/vectors.jsonl");
const sessionLines = vectors.filter((l) => l.kind === "session");
// The vectors were written in November 2026 (their expiring sessions expire in December 2026).
const VECTOR_TIME = PINNED;

/** The moment Rails wrote an expiring line: its cookie `expires` minus `expire_after` (Rack sets expires = now + expire_after). */
function writtenAt(line: VectorLine): Date {
  const m = /; expires=([^;]+)/.exec(line.set_cookie ?? "");
  if (!m || line.expire_after === null) return VECTOR_TIME;
  return new Date(Date.parse(m[1]!) - line.expire_after * 1000);
}

function storeFor(line: VectorLine, now: () => Date = () => VECTOR_TIME, extra: Partial<SessionStoreOptions> = {}) {
  return createSessionStore({
    ...jarOptionsFor(line, now),
    key: line.session_key,
    expireAfter: line.expire_after,
    ...extra,
  });
}

/** The attributes of a Set-Cookie line: everything after the value. */
const attributesOf = (setCookie: string) => setCookie.slice(setCookie.indexOf(";"));
const valueOf = (setCookie: string) => setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));

const line61 = sessionLines.find((l) => l.rails.startsWith("6.1") && l.defaults === "6.1" && l.serializer === "json" && l.scenario === "session_rich" && l.expire_after === null && Object.keys(l.extra).length === 0)!;
const SECRET = line61.secret_key_base;
const base: SessionStoreOptions = { secretKeyBase: SECRET, loadDefaults: "6.1", key: "_app_session", now: () => VECTOR_TIME };

describe("session lines of the shared vectors load as exactly what Rails read", () => {
  it("has session lines of every Rails version", () => {
    expect(new Set(sessionLines.map((l) => l.rails.slice(0, 3)))).toEqual(new Set(["6.1", "7.0", "7.1", "7.2", "8.0"]));
  });

  for (const line of sessionLines) {
    it(describeLine(line), () => {
      const store = storeFor(line);
      const session = store.load(`other=1; ${line.session_key}=${line.value}`);
      const state = sessionState(session)!;
      expect(state.readError).toBeNull();
      expect(state.loadedFromCookie).toBe(true);
      expect(asRailsReads(session.toHash())).toEqual(line.rails_reads);
      expect({ ...session }).toEqual({ ...session.toHash() });
      expect(session.id).toBe((line.rails_reads as Record<string, unknown>)["session_id"]);
      // Read with the app's own scheme and serializer: untouched, nothing to write (unless it expires).
      const expected = line.serializer === "hybrid" && state.needsRewrite ? "rewrite" : line.expire_after === null ? null : "renew";
      const out = store.commit(session);
      if (expected === null) expect(out).toBeNull();
      else expect(out).toMatch(new RegExp(`^${line.session_key}=`));
    });
  }
});

describe("Set-Cookie attributes are the ones Rails wrote for the same configuration", () => {
  // One line per (rails, defaults, expire_after, extra): the attribute suffix must be byte-identical.
  const seen = new Set<string>();
  for (const line of sessionLines) {
    const k = `${line.rails}|${line.defaults}|${line.expire_after}|${JSON.stringify(line.extra)}|${line.serializer}`;
    if (seen.has(k) || !line.set_cookie) continue;
    seen.add(k);
    it(describeLine(line), () => {
      const at = writtenAt(line);
      const store = storeFor(line, () => at);
      const session = store.load(undefined);
      session.user_id = 1;
      const out = store.commit(session)!;
      expect(attributesOf(out)).toBe(attributesOf(line.set_cookie!));
      expect(out.startsWith(`${line.session_key}=`)).toBe(true);
    });
  }

  it("expireAfter: the envelope exp and the cookie expires are the same moment, as in Rails' own cookie", () => {
    const line = sessionLines.find((l) => l.expire_after !== null && l.defaults === "6.1")!;
    const at = writtenAt(line);
    const railsExp = new CookieJar(jarOptionsFor(line, () => at)).session.decode(line.session_key, line.value).expiresAt!;
    // Rails: exp has milliseconds, the cookie's expires is whole seconds of the same Time.
    expect(Math.floor(railsExp.getTime() / 1000)).toBe(Date.parse(/expires=([^;]+)/.exec(line.set_cookie!)![1]!) / 1000);

    const store = storeFor(line, () => new Date(at.getTime() + 123));
    const session = store.load(undefined);
    session.x = 1;
    const out = store.commit(session)!;
    const ours = new CookieJar(jarOptionsFor(line, () => at)).session.decode(line.session_key, valueOf(out)).expiresAt!;
    expect(ours.getTime()).toBe(at.getTime() + 123 + line.expire_after! * 1000);
    expect(attributesOf(out)).toBe(attributesOf(line.set_cookie!));
  });

  it("cookie options: domain, secure, sameSite, httpOnly in Rack 2.2's order", () => {
    const store = createSessionStore({ ...base, cookie: { domain: ".example.com", secure: true, sameSite: "Strict", path: "/app" }, expireAfter: 60 });
    const s = store.load(undefined);
    s.a = 1;
    expect(attributesOf(store.commit(s)!)).toBe(
      "; domain=.example.com; path=/app; expires=Sat, 21 Nov 2026 00:01:00 GMT; secure; HttpOnly; SameSite=Strict",
    );
    const none = createSessionStore({ ...base, cookie: { sameSite: false, httpOnly: false } });
    const t = none.load(undefined);
    t.a = 1;
    expect(attributesOf(none.commit(t)!)).toBe("; path=/");
    expect(() => createSessionStore({ ...base, cookie: { path: "/; evil" } })).toThrow(expect.objectContaining({ code: "invalid_option" }));
    expect(() => createSessionStore({ ...base, expireAfter: -1 })).toThrow(expect.objectContaining({ code: "invalid_option" }));
  });
});

describe("new sessions", () => {
  it("get a 32-hex session_id, kept, and write nothing while untouched", () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (header) => {
        const store = createSessionStore(base);
        const s = store.load(header?.replace(/_app_session/g, "x"));
        expect(s.id).toMatch(/^[0-9a-f]{32}$/);
        expect(s.session_id).toBe(s.id);
        expect(Object.keys(s)).toEqual(["session_id"]);
        expect(store.commit(s)).toBeNull();
        expect(store.commit(s)).toBeNull();
      }),
      { numRuns: 200 },
    );
    const store = createSessionStore(base);
    const ids = new Set(Array.from({ length: 50 }, () => store.load(undefined).id));
    expect(ids.size).toBe(50);
  });

  it("write session_id first, then the data, and read back the same (string keys, nil dropped)", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.user_id = 7;
    s["warden.user.user.key"] = [[7], "$2a$12$abcdefghijklmnopqrstuv"];
    s.gone = null;
    s.also_gone = undefined;
    const out = store.commit(s)!;
    const back = store.load(`_app_session=${valueOf(out)}`);
    expect(JSON.stringify(back)).toBe(JSON.stringify({ session_id: s.id, user_id: 7, "warden.user.user.key": [[7], "$2a$12$abcdefghijklmnopqrstuv"] }));
    expect(back.id).toBe(s.id);
  });

  it("behave like a plain object (set, delete, in, keys, spread, JSON)", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.a = 1;
    s["b"] = { c: [1, 2] };
    expect("a" in s).toBe(true);
    delete s.a;
    expect("a" in s).toBe(false);
    expect({ ...s }).toEqual({ session_id: s.id, b: { c: [1, 2] } });
    expect(JSON.parse(JSON.stringify(s))).toEqual({ session_id: s.id, b: { c: [1, 2] } });
    expect(Object.getPrototypeOf(s)).toBeNull();
    // Methods are not data.
    expect(Object.keys(s)).not.toContain("reset");
    // A data key of a method's name is data (the Rails app owns the names).
    (s as Record<string, unknown>).reset = "yes";
    expect(s.reset).toBe("yes");
  });
});

describe("changes are detected, however deep", () => {
  const writeOnce = (mutate: (s: Record<string, any>) => void) => {
    const store = createSessionStore(base);
    const first = store.load(undefined);
    first.cart = { items: [{ sku: "a", n: 1 }] };
    first.user_id = 1;
    const cookie = valueOf(store.commit(first)!);
    const s = store.load(`_app_session=${cookie}`);
    mutate(s);
    return store.commit(s);
  };

  it("untouched or re-assigned to equal values → no Set-Cookie", () => {
    expect(writeOnce(() => {})).toBeNull();
    expect(writeOnce((s) => { s.user_id = 1; })).toBeNull();
    expect(writeOnce((s) => { s.cart = { items: [{ sku: "a", n: 1 }] }; })).toBeNull();
    expect(writeOnce((s) => { s.nothing = null; })).toBeNull();
  });

  it("nested mutation, top-level set and delete → Set-Cookie", () => {
    expect(writeOnce((s) => { s.cart.items[0].n = 2; })).not.toBeNull();
    expect(writeOnce((s) => { s.cart.items.push(1); })).not.toBeNull();
    expect(writeOnce((s) => { s.user_id = 2; })).not.toBeNull();
    expect(writeOnce((s) => { delete s.user_id; })).not.toBeNull();
  });

  it("a handler overwriting session_id cannot change the id written", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.session_id = "attacker";
    s.x = 1;
    const back = store.load(`_app_session=${valueOf(store.commit(s)!)}`);
    expect(back.session_id).toBe(s.id);
  });

  it("agrees with a model: write iff the compacted data differs (fast-check)", () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
    const key = fc.constantFrom("a", "b", "c", "user_id");
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key, value }),
      fc.record({ kind: fc.constant("delete" as const), key }),
    );
    const store = createSessionStore(base);
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer()), fc.array(op, { maxLength: 6 }), (initial, ops) => {
        const seed = store.load(undefined);
        Object.assign(seed, initial);
        const committed = store.commit(seed);
        const header = committed === null ? undefined : `_app_session=${valueOf(committed)}`;
        const s = store.load(header);
        const before = JSON.stringify(Object.entries({ ...s }).filter(([, v]) => v !== null));
        for (const o of ops) {
          if (o.kind === "set") s[o.key] = o.value;
          else delete s[o.key];
        }
        const after = JSON.stringify(Object.entries({ ...s }).filter(([, v]) => v !== null));
        expect(store.commit(s) !== null).toBe(before !== after);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reset and renew", () => {
  it("reset() gives an empty session with a new id and writes it", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.user_id = 1;
    const cookie = valueOf(store.commit(s)!);
    const loaded = store.load(`_app_session=${cookie}`);
    const oldId = loaded.id;
    loaded.reset();
    expect(loaded.id).not.toBe(oldId);
    expect(loaded.id).toMatch(/^[0-9a-f]{32}$/);
    expect({ ...loaded }).toEqual({ session_id: loaded.id });
    const out = store.commit(loaded)!;
    expect(out).not.toBeNull();
    expect({ ...store.load(`_app_session=${valueOf(out)}`) }).toEqual({ session_id: loaded.id });
  });

  it("reset() of a new untouched session writes nothing", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.reset();
    expect(store.commit(s)).toBeNull();
  });

  it("renew() keeps the data under a new id", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.user_id = 1;
    const loaded = store.load(`_app_session=${valueOf(store.commit(s)!)}`);
    loaded.renew();
    const back = store.load(`_app_session=${valueOf(store.commit(loaded)!)}`);
    expect(back.user_id).toBe(1);
    expect(back.id).not.toBe(s.id);
  });
});

describe("cookies that cannot be read give a fresh session, never an exception", () => {
  const expectFresh = (store: ReturnType<typeof createSessionStore>, header: string) => {
    const s = store.load(header);
    expect(Object.keys(s)).toEqual(["session_id"]);
    expect(s.id).toMatch(/^[0-9a-f]{32}$/);
    expect(store.commit(s)).toBeNull();
    return sessionState(s)!;
  };

  it("random values (fast-check)", () => {
    const store = createSessionStore(base);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (junk) => {
        const state = expectFresh(store, `_app_session=${junk.replace(/;/g, "")}`);
        if (junk.trim() !== "") expect(state.readError === null || state.loadedFromCookie === false).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("every truncation and one-character change of a real Rails cookie", () => {
    const store = storeFor(line61);
    // Mutate the unescaped value: "%2B" → "%2b" is the same cookie, not a change.
    const v = decodeURIComponent(line61.value);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: v.length - 1 }), fc.integer({ min: 0, max: v.length - 1 }), fc.constantFrom("A", "b", "0", "-", "%", "+", "/", "="), (cut, at, ch) => {
        const truncated = v.slice(0, cut);
        if (truncated !== "") expect(expectFresh(store, `${line61.session_key}=${truncated}`).readError).not.toBeNull();
        const changed = v.slice(0, at) + ch + v.slice(at + 1);
        if (changed !== v) expect(sessionState(store.load(`${line61.session_key}=${changed}`))!.readError).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("a 5 KB value, the wrong secret, another app's key, a non-Hash payload", () => {
    const store = createSessionStore(base);
    const big = expectFresh(store, `_app_session=${"A".repeat(5 * 1024)}--${"B".repeat(20)}`);
    expect(big.readError).toEqual(expect.objectContaining({ code: expect.any(String) }));

    const wrong = createSessionStore({ ...jarOptionsFor(line61, () => VECTOR_TIME), secretKeyBase: "f".repeat(128), key: line61.session_key });
    expect(expectFresh(wrong, `${line61.session_key}=${line61.value}`).readError).toEqual(expect.objectContaining({ code: "bad_tag" }));

    // The same app, but the cookie carried under another name: the envelope's purpose refuses it.
    const renamed = createSessionStore({ ...jarOptionsFor(line61, () => VECTOR_TIME), key: "_other_session" });
    expect(expectFresh(renamed, `_other_session=${line61.value}`).readError).toEqual(expect.objectContaining({ code: "wrong_purpose" }));

    // A real Rails cookie holding a String, not a Hash (cookies.encrypted written by Rails 6.1 under its own name).
    const plain = vectors.find((l) => l.kind === "encrypted" && l.scenario === "encrypted_plain" && l.rails.startsWith("6.1") && l.defaults === "6.1" && l.serializer === "json")!;
    const asSession = createSessionStore({ ...jarOptionsFor(plain, () => VECTOR_TIME), key: plain.name });
    expect(expectFresh(asSession, `${plain.name}=${plain.value}`).readError).toEqual(expect.objectContaining({ code: "bad_payload" }));
  });

  it("the wrong cookie name is simply no session", () => {
    const store = storeFor(line61);
    const state = expectFresh(store, `x${line61.session_key}=${line61.value}`);
    expect(state.readError).toBeNull();
  });

  it("a junk cookie is replaced once the handler writes", () => {
    const store = createSessionStore(base);
    const s = store.load("_app_session=junk");
    s.user_id = 1;
    const out = store.commit(s)!;
    expect(store.load(`_app_session=${valueOf(out)}`).user_id).toBe(1);
  });
});

describe("overflow", () => {
  it("a session over 4096 bytes → CookieOverflowError (cookie_overflow)", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.blob = "x".repeat(2000);
    expect(store.commit(s)).not.toBeNull();
    s.blob = "x".repeat(4000);
    expect(() => store.commit(s)).toThrow(expect.objectContaining({ code: "cookie_overflow", name: "CookieOverflowError" }));
  });

  it("the limit is Rails': the sealed value (unescaped) up to 4096 bytes", () => {
    const store = createSessionStore(base);
    let ok = 0;
    for (let n = 2100; n < 2400; n += 3) {
      const s = store.load(undefined);
      s.blob = "x".repeat(n);
      try {
        const out = store.commit(s)!;
        expect(decodeURIComponent(valueOf(out)).length).toBeLessThanOrEqual(4096);
        ok = n;
      } catch (error) {
        expect(error).toEqual(expect.objectContaining({ code: "cookie_overflow" }));
      }
    }
    expect(ok).toBeGreaterThan(2100);
    expect(ok).toBeLessThan(2397);
  });
});

describe("needsRewrite: cookies Rails would write again", () => {
  it("a hybrid app reads a JSON (Marshal-free) cookie through its CBC fallback and rewrites it with GCM", () => {
    // Real Rails 6.1 (defaults 6.1) wrote this with use_authenticated_cookie_encryption = false (AES-CBC).
    const cbc = sessionLines.find((l) => l.rails.startsWith("6.1") && l.defaults === "6.1" && l.extra["action_dispatch.use_authenticated_cookie_encryption"] === false && l.scenario === "session_rich")!;
    const store = createSessionStore({ secretKeyBase: cbc.secret_key_base, loadDefaults: "6.1", cookiesSerializer: "hybrid", key: cbc.session_key, now: () => VECTOR_TIME });
    const s = store.load(`${cbc.session_key}=${cbc.value}`);
    const state = sessionState(s)!;
    expect(state.readError).toBeNull();
    expect(state.needsRewrite).toBe(true);
    expect(asRailsReads(s.toHash())).toEqual(cbc.rails_reads);
    const out = store.commit(s)!;
    expect(out).not.toBeNull();
    const decoded = store.jar.session.decode(cbc.session_key, valueOf(out));
    expect(decoded.scheme.source).toBe("primary");
    expect(decoded.scheme.protection).toMatch(/gcm/i);
    expect(asRailsReads(decoded.value)).toEqual(cbc.rails_reads);
    // Read back: now primary, nothing more to write.
    expect(store.commit(store.load(`${cbc.session_key}=${valueOf(out)}`))).toBeNull();
  });

  it("a hybrid app reads a Marshal cookie real Rails wrote and rewrites it as JSON", () => {
    const marshal = sessionLines.find((l) => l.rails.startsWith("6.1") && l.defaults === "6.1" && l.serializer === "marshal" && l.scenario === "session_rich")!;
    const store = createSessionStore({ secretKeyBase: marshal.secret_key_base, loadDefaults: "6.1", cookiesSerializer: "hybrid", key: marshal.session_key, now: () => VECTOR_TIME });
    const s = store.load(`${marshal.session_key}=${marshal.value}`);
    expect(sessionState(s)!.needsRewrite).toBe(true);
    const out = store.commit(s)!;
    const decoded = store.jar.session.decode(marshal.session_key, valueOf(out));
    expect(decoded.scheme.serializer).toBe("json");
    expect(asRailsReads(decoded.value)).toEqual(marshal.rails_reads);
  });

  it("a 7.0 app rotating from SHA1 key derivation rewrites a SHA1 cookie real Rails 7.0 wrote", () => {
    const sha1 = sessionLines.find((l) => l.rails.startsWith("7.0") && l.defaults === "7.0" && l.extra["active_support.key_generator_hash_digest_class"] === "OpenSSL::Digest::SHA1" && l.scenario === "session_rich")!;
    const store = createSessionStore({
      secretKeyBase: sha1.secret_key_base,
      loadDefaults: "7.0",
      key: sha1.session_key,
      cookiesRotations: { encrypted: [{ keyGeneratorHashDigestClass: "SHA1" }] },
      now: () => VECTOR_TIME,
    });
    const s = store.load(`${sha1.session_key}=${sha1.value}`);
    expect(sessionState(s)!.needsRewrite).toBe(true);
    expect(asRailsReads(s.toHash())).toEqual(sha1.rails_reads);
    expect(store.commit(s)).not.toBeNull();
  });
});

describe("expireAfter renewal", () => {
  it("a session read from a cookie is written again with a later expiry, even untouched", () => {
    let t = VECTOR_TIME.getTime();
    const store = createSessionStore({ ...base, expireAfter: 3600, now: () => new Date(t) });
    const s = store.load(undefined);
    expect(store.commit(s)).toBeNull(); // untouched new session: nothing, even with expireAfter
    s.user_id = 1;
    const first = store.commit(s)!;
    expect(first).toContain("; expires=Sat, 21 Nov 2026 01:00:00 GMT;");
    t += 1800 * 1000;
    const again = store.load(`_app_session=${valueOf(first)}`);
    const second = store.commit(again)!;
    expect(second).toContain("; expires=Sat, 21 Nov 2026 01:30:00 GMT;");
    expect(store.jar.session.decode("_app_session", valueOf(second)).expiresAt!.toISOString()).toBe("2026-11-21T01:30:00.000Z");
    // After expiry the envelope refuses the cookie: a fresh session.
    t += 3601 * 1000;
    const late = store.load(`_app_session=${valueOf(second)}`);
    expect(sessionState(late)!.readError).toEqual(expect.objectContaining({ code: "expired" }));
    expect(late.user_id).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------
// What the store writes, real Rails reads.

const CONFIGS: { name: string; rails: RailsConfig; store: SessionStoreOptions }[] = [
  {
    name: "load_defaults 6.1, JSON, AES-256-GCM",
    rails: { defaults: "6.1", serializer: "json", secret_key_base: SECRET, session_key: "_e2e_session", expire_after: null, extra: {} },
    store: { secretKeyBase: SECRET, loadDefaults: "6.1", railsVersion: "6.1", cookiesSerializer: "json", key: "_e2e_session" },
  },
  {
    name: "load_defaults 5.0, Marshal, AES-256-CBC + HMAC",
    rails: { defaults: "5.0", serializer: "marshal", secret_key_base: SECRET, session_key: "_e2e_session", expire_after: null, extra: {} },
    store: { secretKeyBase: SECRET, loadDefaults: "5.0", railsVersion: "6.1", cookiesSerializer: "marshal", key: "_e2e_session" },
  },
  {
    name: "load_defaults 5.2, hybrid, expire_after 1 day",
    rails: { defaults: "5.2", serializer: "hybrid", secret_key_base: SECRET, session_key: "_e2e_session", expire_after: 86400, extra: {} },
    store: { secretKeyBase: SECRET, loadDefaults: "5.2", railsVersion: "6.1", cookiesSerializer: "hybrid", key: "_e2e_session", expireAfter: 86400 },
  },
];

describeWithRails("real Rails 6.1 reads the sessions the store writes", () => {
  for (const config of CONFIGS) {
    it(config.name, async () => {
      const store = createSessionStore(config.store);
      const written: { data: Record<string, unknown>; cookie: string }[] = [];
      const samples: Record<string, unknown>[] = [
        { user_id: 42 },
        { "warden.user.user.key": [[1], "$2a$12$abcdefghijklmnopqrstuv"], flash: { discard: [], flashes: { notice: "Hello <b>" } } },
        { unicode: "żółw 🐢", nested: { a: [1, 2.5, null, true], b: "" }, big: 2 ** 40 },
      ];
      for (const data of samples) {
        const s = store.load(undefined);
        Object.assign(s, data);
        const out = store.commit(s)!;
        written.push({ data: { session_id: s.id, ...data }, cookie: valueOf(out) });
      }
      const results = await railsRead(config.rails, written.map((w) => ({ kind: "session" as const, name: "_e2e_session", value: w.cookie })));
      results.forEach((r, i) => {
        expect(r.rails_reads).toEqual(written[i]!.data);
      });
    });
  }
});

describe("header parsing", () => {
  it("takes the first cookie of the name, like Rack", () => {
    const store = createSessionStore(base);
    const s = store.load(undefined);
    s.n = 1;
    const v1 = valueOf(store.commit(s)!);
    const t = store.load(undefined);
    t.n = 2;
    const v2 = valueOf(store.commit(t)!);
    expect(store.load(`_app_session=${v1}; _app_session=${v2}`).n).toBe(1);
    expect(parseCookieHeader(`a=1; _app_session=${v2}`).get("_app_session")).toBe(v2);
  });
});
