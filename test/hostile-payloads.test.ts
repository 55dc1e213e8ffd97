/**
 * Issue 11: payloads that pass the tag (forged with the test secret, as someone with a leaked
 * secret or a buggy writer on the Rails side would) must give a value or a typed error, with work
 * bounded by what was decoded, never a hang, an untyped throw or a silently changed value.
 *
 * Bounds are checked by what the code does (a refused expansion, the size of what is written),
 * never by a timer: the tests that once hung (the 2**40 DAG) finish only because the code bounds
 * the work, under vitest's default timeout.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CookieJar, MAX_INPUT_LENGTH } from "../src/jar.js";
import { RailsCookieError } from "../src/errors.js";
import { createSessionStore } from "../src/session/store.js";
import { decodeJson, encodeJson, serialize } from "../src/serializers/index.js";
import { dump, load } from "../src/marshal/index.js";
import { RubyObject } from "../src/ruby/types.js";
import type { CookiesSerializer, LoadDefaults } from "../src/config.js";
import { marshalDagSession, marshalSelfIvarSession, sealRaw } from "./helpers/hostile.js";
import { describeWithRails, railsRead, railsWrite, type RailsConfig } from "./helpers/rails.js";

const secretKeyBase = "0123456789abcdef".repeat(8);
const NOW = new Date("2026-06-01T00:00:00Z");
const now = () => NOW;
const KEY = "_app_session";

/** A store reading and writing like an app with these settings, on the pinned clock. */
function storeFor(cookiesSerializer: CookiesSerializer, loadDefaults: LoadDefaults = cookiesSerializer.startsWith("message_pack") ? "7.1" : "6.1") {
  return createSessionStore({ key: KEY, secretKeyBase, loadDefaults, cookiesSerializer, now });
}

/** `bytes` as the session cookie's payload, sealed with the test secret by the jar itself. */
function forgedHeader(bytes: Uint8Array, loadDefaults: LoadDefaults = "6.1"): string {
  const writer = new CookieJar({ secretKeyBase, loadDefaults, cookiesSerializer: "marshal", now });
  return `${KEY}=${writer.encrypted.setSerialized(KEY, bytes)}`;
}

/** Runs `fn`; returns its value or the `code` of the RailsCookieError it threw; anything else fails the test. */
function valueOrCode(fn: () => unknown): { value?: unknown; code?: string } {
  try {
    return { value: fn() };
  } catch (error) {
    if (error instanceof RailsCookieError) return { code: error.code };
    throw error;
  }
}

describe("1. a Marshal DAG of 2**40 leaves (164 bytes)", () => {
  const bytes = marshalDagSession(40);

  it("is a couple of hundred bytes and loads as 40 shared levels (not 2**40 leaves)", () => {
    expect(bytes.length).toBeLessThan(256);
    const v = load(bytes) as { d: unknown[] };
    let a: unknown = v.d;
    for (let i = 0; i < 40; i++) {
      const arr = a as unknown[];
      expect(arr[0]).toBe(arr[1]);
      a = arr[0];
    }
    expect(a).toEqual([null, null]);
    // Marshal writes it back with its links: the same 164 bytes.
    expect(Buffer.from(dump(v)).equals(Buffer.from(bytes))).toBe(true);
  });

  for (const serializer of ["hybrid", "message_pack_allow_marshal"] as const) {
    it(`${serializer}: commit() refuses the expansion (cookie_overflow) instead of blocking`, () => {
      const store = storeFor(serializer);
      const session = store.load(forgedHeader(bytes, serializer === "hybrid" ? "6.1" : "7.1"));
      expect(session["d"]).toBeDefined(); // it was read …
      expect(valueOrCode(() => store.commit(session))).toEqual({ code: "cookie_overflow" }); // … and cannot be rewritten
    });
  }

  it("marshal: commit() writes it back unchanged (links kept, nothing expanded)", () => {
    const store = storeFor("marshal");
    const session = store.load(forgedHeader(bytes));
    session["x"] = 1;
    const setCookie = store.commit(session);
    expect(setCookie).not.toBeNull();
    const back = store.jar.encrypted.decode(KEY, setCookie!.split(";")[0]!.slice(KEY.length + 1));
    expect(back.payload.length).toBeLessThan(256);
  });

  it("encodeJson stops at its output budget", () => {
    const v = load(bytes);
    expect(valueOrCode(() => encodeJson(v, { maxBytes: 10_000 }))).toEqual({ code: "too_large" });
    expect(valueOrCode(() => serialize(v, "json"))).toEqual({ code: "too_large" });
    expect(valueOrCode(() => serialize(v, "message_pack"))).toEqual({ code: "too_large" });
  });
});

describe("2. untyped RangeError from commit() / set()", () => {
  it("a Marshal object whose ivar is itself, rewritten under hybrid: unserializable", () => {
    const store = storeFor("hybrid");
    const session = store.load(forgedHeader(marshalSelfIvarSession()));
    const o = session["o"] as RubyObject;
    expect(o).toBeInstanceOf(RubyObject);
    expect(o.ivars["@self"]).toBe(o);
    expect(valueOrCode(() => store.commit(session))).toEqual({ code: "unserializable" });
  });

  it("a JSON session nested 4,000 deep is refused on read, as Ruby's JSON.parse (max_nesting 100) refuses it", () => {
    // Rails 5.2 writes no envelope without an expiry, so 8 KB of JSON still fits the 12 KB a cookie header may carry.
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "5.2", cookiesSerializer: "json", now });
    const deep = `{"session_id":"x","d":${"[".repeat(4000)}${"]".repeat(4000)}}`;
    const raw = sealRaw(jar, deep);
    expect(raw.length).toBeLessThanOrEqual(MAX_INPUT_LENGTH);
    expect(valueOrCode(() => jar.encrypted.decode(KEY, raw))).toEqual({ code: "bad_payload" });
    const store = createSessionStore({ key: KEY, secretKeyBase, loadDefaults: "5.2", cookiesSerializer: "json", now });
    const session = store.load(`${KEY}=${raw}`);
    expect(session["d"]).toBeUndefined();
    session["user"] = 1;
    expect(valueOrCode(() => store.commit(session)).value).toEqual(expect.any(String));
  });

  it("exactly 100 levels of JSON are read (Ruby's limit), 101 are not", () => {
    expect(decodeJson("[".repeat(100) + "]".repeat(100))).toBeDefined();
    expect(valueOrCode(() => decodeJson("[".repeat(101) + "]".repeat(101)))).toEqual({ code: "bad_payload" });
    expect(valueOrCode(() => decodeJson('{"a":'.repeat(101) + "1" + "}".repeat(101)))).toEqual({ code: "bad_payload" });
  });

  it("jar.encrypted.set of an array nested 20,000 deep: unserializable", () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "7.0", cookiesSerializer: "json", now });
    let d: unknown = [];
    for (let i = 0; i < 20_000; i++) d = [d];
    expect(valueOrCode(() => jar.encrypted.set("c", { d }))).toEqual({ code: "unserializable" });
    // 100 levels are written; 101 are already more than Rails' JSON.parse reads back.
    let e: unknown = [];
    for (let i = 0; i < 99; i++) e = [e];
    expect(valueOrCode(() => jar.encrypted.set("c", e)).value).toEqual(expect.any(String));
    expect(valueOrCode(() => jar.encrypted.set("c", [e]))).toEqual({ code: "unserializable" });
  });

  it("a JSON session 100 levels deep read under :marshal (6.1's JSON fallback) is written back as Marshal that reads back (a property-test finding)", () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "json", now });
    const cookie = jar.encrypted.setSerialized(KEY, Buffer.from(`{"session_id":"x","d":${"[".repeat(99)}${"]".repeat(99)}}`));
    const store = storeFor("marshal");
    const session = store.load(`${KEY}=${cookie}`);
    session["touched"] = 1;
    const written = store.commit(session)!;
    const back = store.jar.encrypted.decode(KEY, written.slice(KEY.length + 1, written.indexOf(";")));
    expect(back.scheme.serializer).toBe("marshal");
    expect((back.value as Record<string, unknown>)["d"]).toEqual(session["d"]);
  });

  it("a cyclic value under :json is unserializable (not a RangeError)", () => {
    const a: unknown[] = [];
    a.push(a);
    expect(valueOrCode(() => serialize({ a }, "json"))).toEqual({ code: "unserializable" });
  });
});

describe("3. JSON integers of any length stay exact", () => {
  const digits = "1234567890".repeat(40);

  it("a 400-digit integer decodes to a bigint and is written back with every digit", () => {
    const v = decodeJson(`{"n":${digits},"m":-${digits},"f":1e400}`) as Record<string, unknown>;
    expect(v["n"]).toBe(BigInt(digits));
    expect(v["m"]).toBe(-BigInt(digits));
    // A float token out of range is Ruby's Float::INFINITY too, and ActiveSupport writes it as null.
    expect(v["f"]).toBe(Infinity);
    expect(encodeJson(v)).toBe(`{"n":${digits},"m":-${digits},"f":null}`);
  });

  it("through the jar: read and written back exactly", () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "json", now });
    const cookie = jar.encrypted.setSerialized("c", Buffer.from(`{"n":${digits}}`));
    const read = jar.encrypted.decode("c", cookie);
    expect(read.value).toEqual({ n: BigInt(digits) });
    expect(Buffer.from(serialize(read.value, "json")).toString()).toBe(`{"n":${digits}}`);
  });
});

describe("3b. an integral float beyond 2**53 beside strings (a property-test finding, seed -964291995)", () => {
  it("decodes with its strings intact: no integer token to mark must not turn every string into a BigInt", () => {
    // Marshal {0 => {0 => 4.957043258300394e22}} rewritten as JSON under :hybrid, then read back.
    const text = '{"session_id":"x","0":{"0":4.957043258300394e+22}}';
    expect(decodeJson(text)).toEqual({ session_id: "x", "0": { "0": 4.957043258300394e22 } });
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "7.1", cookiesSerializer: "json", now });
    const cookie = jar.encrypted.setSerialized("c", Buffer.from(text));
    expect(jar.encrypted.decode("c", cookie).value).toEqual({ session_id: "x", "0": { "0": 4.957043258300394e22 } });
  });
});

describe("4. binary in JSON", () => {
  it("a Uint8Array that is not UTF-8 is unserializable, never an object of indices", () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "7.0", cookiesSerializer: "json", now });
    expect(valueOrCode(() => jar.encrypted.set("c", { b: new Uint8Array([0xff, 0x68]) }))).toEqual({ code: "unserializable" });
  });

  it("a UTF-8 Uint8Array is written as the String Rails' JSON writes for a binary String (never {\"0\":…})", () => {
    expect(Buffer.from(serialize({ b: new Uint8Array([104, 105]) }, "json")).toString()).toBe('{"b":"hi"}');
  });

  it("a hybrid rewrite of a Marshal binary String that is not UTF-8 is unserializable", () => {
    // { "session_id" => "x", "b" => "\xFFhi".b }
    const bytes = Uint8Array.from([0x04, 0x08, 0x7b, 0x07, 0x49, 0x22, 0x0f, ...Buffer.from("session_id"), 0x06, 0x3a, 0x06, 0x45, 0x54,
      0x49, 0x22, 0x06, 0x78, 0x06, 0x3b, 0x00, 0x54, 0x49, 0x22, 0x06, 0x62, 0x06, 0x3b, 0x00, 0x54, 0x22, 0x08, 0xff, 0x68, 0x69]);
    const store = storeFor("hybrid");
    const session = store.load(forgedHeader(bytes));
    expect(session["b"]).toEqual(Uint8Array.from([0xff, 0x68, 0x69]));
    expect(valueOrCode(() => store.commit(session))).toEqual({ code: "unserializable" });
  });
});

describe("5. Marshal {1 => itself}", () => {
  it("loads as a Map holding itself and dumps back to the same bytes", () => {
    const bytes = Buffer.from("04087b0669064000", "hex");
    const h = load(bytes) as Map<unknown, unknown>;
    expect(h).toBeInstanceOf(Map);
    expect(h.get(1)).toBe(h);
    expect(Buffer.from(dump(h)).toString("hex")).toBe("04087b0669064000");
  });

  it("a self-link deeper inside the Hash, and as a key, are the Hash too", () => {
    // h = {}; h[1] = [h, { "k" => h }]; h[h] = 2  →  {1 => [@0, {"k" => @0}], @0 => 2}
    const bytes = Uint8Array.from([0x04, 0x08, 0x7b, 0x07, 0x69, 0x06, 0x5b, 0x07, 0x40, 0x00, 0x7b, 0x06, 0x49, 0x22, 0x06, 0x6b, 0x06, 0x3a, 0x06, 0x45, 0x54, 0x40, 0x00, 0x40, 0x00, 0x69, 0x07]);
    const h = load(bytes) as Map<unknown, unknown>;
    const inner = h.get(1) as [unknown, Record<string, unknown>];
    expect(inner[0]).toBe(h);
    expect(inner[1]["k"]).toBe(h);
    expect(h.get(h)).toBe(2);
    expect(Buffer.from(dump(h)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("6. RubyObject#toJSON with an ivar or member named __proto__", () => {
  it("keeps it as data and gives the result no prototype", () => {
    const obj = new RubyObject("Point", { kind: "struct" });
    Object.defineProperty(obj.ivars, "__proto__", { value: { evil: true }, enumerable: true, configurable: true, writable: true });
    obj.ivars["x"] = 1;
    const json = obj.toJSON() as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBeNull();
    expect((json as { evil?: unknown }).evil).toBeUndefined();
    expect(JSON.parse(JSON.stringify(obj))).toEqual(JSON.parse('{"$class":"Point","__proto__":{"evil":true},"x":1}'));
  });

  it("a Marshal Struct member named __proto__ (loaded from bytes)", () => {
    // Struct::P.new({}) with member :__proto__  →  S:P { :__proto__ => {} }
    const bytes = Uint8Array.from([0x04, 0x08, 0x53, 0x3a, 0x06, 0x50, 0x06, 0x3a, 0x0e, ...Buffer.from("__proto__"), 0x7b, 0x00]);
    const obj = load(bytes) as RubyObject;
    const json = obj.toJSON() as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBeNull();
    expect(Object.keys(json)).toEqual(["$class", "__proto__"]);
    expect(JSON.stringify(obj)).toBe('{"$class":"P","__proto__":{}}');
  });
});

describe("7. JSON.stringify works on anything decodeJson returns", () => {
  it("bigints inside decoded JSON carry a toJSON (exact decimal strings)", () => {
    const v = decodeJson('{"m":12345678901234567890,"a":[1,-98765432109876543210],"o":{"n":{"k":18446744073709551616}}}');
    expect(JSON.stringify(v)).toBe('{"m":"12345678901234567890","a":[1,"-98765432109876543210"],"o":{"n":{"k":"18446744073709551616"}}}');
    // … and our own writer still writes them as numbers, as ActiveSupport does.
    expect(encodeJson(v)).toBe('{"m":12345678901234567890,"a":[1,-98765432109876543210],"o":{"n":{"k":18446744073709551616}}}');
  });
});

describe("8. marshalDump of a huge Bignum", () => {
  it("10**1000000 dumps and loads back (linear, finishes within the default timeout)", () => {
    const n = 10n ** 1_000_000n;
    const bytes = dump(n);
    // 'l', sign, length (4 bytes of w_long), then the magnitude in 16-bit words.
    const magnitudeBytes = bytes.length - 2 - 1 - 1 - 4;
    expect(magnitudeBytes % 2).toBe(0);
    expect(BigInt("0x" + Buffer.from(bytes.subarray(8)).reverse().toString("hex"))).toBe(n);
    expect(load(bytes, { maxBignumBytes: 1 << 20 })).toBe(n);
    expect(load(dump(-n), { maxBignumBytes: 1 << 20 })).toBe(-n);
  });

});

/** Ruby's own `Marshal.dump` of a Ruby expression. */
function rubyDump(expr: string): Buffer {
  const r = spawnSync("ruby", ["-e", `$stdout.binmode; print Marshal.dump(begin; ${expr}; end)`], { timeout: 30_000 });
  if (r.status !== 0) throw new Error(`ruby failed: ${r.stderr}`);
  return r.stdout;
}

describeWithRails("issue 11 payloads against Ruby 3.1 / Rails 6.1", () => {
  it("the hand-built Marshal payloads are what Ruby's Marshal.dump writes", () => {
    expect(Buffer.from(marshalDagSession(40)).equals(rubyDump('a = [nil, nil]; 40.times { a = [a, a] }; { "session_id" => "x", "d" => a }'))).toBe(true);
    expect(Buffer.from(marshalSelfIvarSession()).equals(rubyDump('class Foo; end; o = Foo.new; o.instance_variable_set(:@self, o); { "session_id" => "x", "o" => o }'))).toBe(true);
    expect(rubyDump("h = {}; h[1] = h; h").toString("hex")).toBe("04087b0669064000");
    const deep = rubyDump('h = {}; h[1] = [h, { "k" => h }]; h[h] = 2; h');
    expect(Buffer.from(dump(load(deep))).equals(deep)).toBe(true);
  });

  it("Bignums of every size dump as Ruby dumps them", () => {
    for (const expr of ["2**64", "-(2**62)", "2**62", "-(2**64 + 1)", "3**1000", "-(7**5001)"]) {
      const ruby = rubyDump(expr);
      const n = BigInt(spawnSync("ruby", ["-e", `print(${expr})`], { encoding: "utf8" }).stdout);
      expect(Buffer.from(dump(n)).toString("hex"), expr).toBe(ruby.toString("hex"));
    }
  });

  const json61: RailsConfig = { defaults: "6.1", serializer: "json", secret_key_base: secretKeyBase, session_key: KEY, expire_after: null, extra: {} };
  const hybrid61: RailsConfig = { ...json61, serializer: "hybrid" };

  it("Rails 6.1 reads the 400-digit integer Node wrote with every digit", async () => {
    const n = BigInt("1234567890".repeat(40));
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "json", now });
    const [read] = await railsRead(json61, [{ kind: "encrypted", name: "c", value: jar.encrypted.set("c", { n, m: -n }) }]);
    expect(read!.rails_reads).toEqual({ n, m: -n });
  });

  it("a hybrid rewrite of a binary String is what Rails 6.1 writes: the String when it is UTF-8, an error when it is not", async () => {
    const value = '{ "a" => "hi".b, "b" => "caf\u00e9".b }';
    const [written, refused] = await railsWrite(
      hybrid61,
      [
        { kind: "encrypted", name: "c", value_marshal_b64: rubyDump(value).toString("base64") },
        { kind: "encrypted", name: "c", value_marshal_b64: rubyDump('{ "a" => "\\xFFhi".b }').toString("base64") },
      ],
      { allowErrors: true },
    );
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "hybrid", now });
    const railsPayload = jar.encrypted.decode("c", written!.value).payload;
    // Node reads the same Ruby value from a Marshal cookie and rewrites it as JSON under :hybrid.
    const fromMarshal = jar.encrypted.decode("c", jar.encrypted.setSerialized("c", rubyDump(value))).value;
    expect(Buffer.from(serialize(fromMarshal, "hybrid")).toString()).toBe(railsPayload.toString());
    expect(refused!.error).toMatch(/JSON::GeneratorError|Encoding/);
    const invalid = jar.encrypted.decode("c", jar.encrypted.setSerialized("c", rubyDump('{ "a" => "\\xFFhi".b }'))).value;
    expect(valueOrCode(() => serialize(invalid, "hybrid"))).toEqual({ code: "unserializable" });
  });
});
