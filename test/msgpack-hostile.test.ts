/**
 * Hostile MessagePack: any bytes give a value or a `PayloadError` (code `bad_payload`), in bounded
 * time and memory; and values of the shared mapping survive encode → decode.
 *
 * Mutations start from a real Rails payload: Rails 8.0.5, load_defaults 8.0, message_pack,
 * session_ruby_types, taken out of its cookie by the jar (`decode(...).payload`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CookieJar } from "../src/jar.js";
import { jarOptionsFor, loadVectorFile } from "./helpers/vectors.js";
import { pinnedNow } from "./helpers/clock.js";
import { PayloadError, RailsCookieError, UnserializableError } from "../src/errors.js";
import { decodeMessagePack, dumpRailsMessagePack, encodeMessagePack, loadRailsMessagePack } from "../src/msgpack/index.js";
import { RubyObject, RubySymbol, RubyTime } from "../src/ruby/types.js";

/** The MessagePack payload of a Ruby-typed session real Rails 8.0.5 wrote, as the jar reads it. */
function railsPayload(): Uint8Array {
  const v = loadVectorFile("rails-vectors/vectors.jsonl").find(
    (l) => l.serializer === "message_pack" && l.scenario === "session_ruby_types" && l.rails === "8.0.5",
  );
  if (!v) throw new Error("vector not found");
  return new CookieJar(jarOptionsFor(v, pinnedNow)).encrypted.decode(v.name, v.value).payload;
}

/** Runs `fn` and says whether it returned or threw a typed error; anything else fails the test. */
function valueOrTyped(fn: () => unknown): "value" | "typed" {
  try {
    const v = fn();
    // Whatever we return must print; a bare top-level bigint is the one value that cannot carry a
    // toJSON (documented in docs/msgpack.md).
    if (typeof v !== "bigint") JSON.stringify(v);
    return "value";
  } catch (e) {
    if (e instanceof PayloadError) return "typed";
    throw e;
  }
}

const real = railsPayload();

describe("hostile MessagePack", () => {
  it("random bytes → value or PayloadError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        valueOrTyped(() => decodeMessagePack(bytes));
        valueOrTyped(() => loadRailsMessagePack(Uint8Array.of(0xcc, 0x80, ...bytes)));
      }),
      { numRuns: 1000 },
    );
  });

  it("mutated real Rails payloads → value or PayloadError", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(real.length),
        (edits, cut) => {
          const bytes = Uint8Array.from(real);
          for (const [at, b] of edits) bytes[at] = b;
          valueOrTyped(() => loadRailsMessagePack(bytes));
          valueOrTyped(() => loadRailsMessagePack(bytes.subarray(0, cut)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a Range whose begin became a Hash prints as its class and fields (fast-check's counterexample [[199, 128]])", () => {
    // Byte 199 of the real payload is the Range's begin, 1; 0x80 makes it an empty Hash, which has
    // no prototype, and String() of it threw inside RubyObject#toJSON.
    const bytes = Uint8Array.from(real);
    bytes[199] = 0x80;
    const range = (loadRailsMessagePack(bytes) as Record<string, RubyObject>)["range"]!;
    expect(range.className).toBe("Range");
    expect(JSON.parse(JSON.stringify(range))).toEqual({ $class: "Range", begin: {}, end: 10, excl: false, $data: { ext: 11, values: [{}, 10, false] } });
    // The real payload's Range, 1..10, is still its to_s.
    expect(JSON.stringify((loadRailsMessagePack(real) as Record<string, RubyObject>)["range"])).toBe('"1..10"');
  });

  const huge: [string, number[]][] = [
    ["map32 claiming 4 billion entries", [0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0x01]],
    ["array32 claiming 4 billion entries", [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ["str32 claiming 4 GB", [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]],
    ["bin32 claiming 4 GB", [0xc6, 0xff, 0xff, 0xff, 0xff, 0x61]],
    ["ext32 claiming 4 GB", [0xc9, 0xff, 0xff, 0xff, 0xff, 0x0b, 0x01]],
    ["map16 with one entry present", [0xde, 0xff, 0xff, 0xa1, 0x61, 0x01]],
  ];
  for (const [name, bytes] of huge) {
    it(`${name} fails before allocating`, () => {
      expect(() => decodeMessagePack(Uint8Array.from(bytes))).toThrow(PayloadError);
    });
  }

  it("100 000 nested arrays fail with PayloadError, no stack overflow", () => {
    const bytes = new Uint8Array(100_001).fill(0x91);
    bytes[100_000] = 0x01;
    expect(() => decodeMessagePack(bytes)).toThrow(PayloadError);
    const maps = new Uint8Array(200_000);
    for (let i = 0; i < 100_000; i++) (maps[2 * i] = 0x81), (maps[2 * i + 1] = 0xa0);
    expect(() => decodeMessagePack(maps)).toThrow(PayloadError);
    // Same through recursive extensions (Range inside Range …).
    const ranges = new Uint8Array(3 * 1000).fill(0);
    expect(() => decodeMessagePack(ranges.map((_, i) => [0xc7, 0x00, 0x0b][i % 3]!))).toThrow(PayloadError);
  });

  it("__proto__ is data, never a prototype", () => {
    // {"__proto__" => {"polluted" => true}} as the gem writes it.
    const bytes = Buffer.from("81a95f5f70726f746f5f5f81a8706f6c6c75746564c3", "hex");
    const v = decodeMessagePack(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Buffer.from(encodeMessagePack(v)).equals(bytes)).toBe(true);
  });

  it("trailing bytes, unknown extensions, 0xc1 and a missing signature are refused", () => {
    for (const hex of ["0101", "d41200", "c1", "d47f00", "d4ff00", "c70d0100"]) {
      expect(() => decodeMessagePack(Buffer.from(hex, "hex")), hex).toThrow(PayloadError);
    }
    expect(() => loadRailsMessagePack(Buffer.from("c0", "hex"))).toThrow(PayloadError);
    expect(() => loadRailsMessagePack(Buffer.from("cc81c0", "hex"))).toThrow(PayloadError);
    expect(() => loadRailsMessagePack(new Uint8Array(0))).toThrow(RailsCookieError);
  });

  it("writing refuses what Rails could not read", () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    for (const bad of [undefined, () => 1, Symbol("x"), new (class Foo {})(), "\ud800", cyclic, new Date(NaN)]) {
      expect(() => dumpRailsMessagePack([bad])).toThrow(UnserializableError);
    }
  });
});

/** Arbitrary values of the shared mapping (src/ruby/types.ts). */
const { rubyValue } = fc.letrec((tie) => ({
  rubyValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ maxLength: 10 }).map((s) => new RubySymbol(s)),
    fc
      .tuple(fc.integer({ min: -8.64e12, max: 8.64e12 }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: -86399, max: 86399 }))
      .map(([ms, ns, off]) => new RubyTime(ms, { nanosecondsPastMillisecond: ns, utcOffset: off })),
    fc.array(tie("rubyValue"), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("rubyValue"), { maxKeys: 5 }).map((d) => Object.assign(Object.create(null) as object, d)),
  ),
}));

/** Compares two mapped values, seeing through RubyTime / RubySymbol / null prototypes. */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof RubyTime && b instanceof RubyTime) {
    return a.getTime() === b.getTime() && a.nanosecondsPastMillisecond === b.nanosecondsPastMillisecond && a.utcOffset === b.utcOffset;
  }
  if (a instanceof RubySymbol && b instanceof RubySymbol) return a.name === b.name;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

describe("encode → decode identity", () => {
  it("over arbitrary values of the mapping, and bytes are stable", () => {
    fc.assert(
      fc.property(rubyValue, (value) => {
        const bytes = dumpRailsMessagePack(value);
        const back = loadRailsMessagePack(bytes);
        expect(same(back, value)).toBe(true);
        expect(Buffer.from(dumpRailsMessagePack(back)).equals(Buffer.from(bytes))).toBe(true);
        if (typeof back !== "bigint") expect(() => JSON.stringify(back)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe("Rails extension objects", () => {
  it("every registered RubyObject extension is JSON-safe and written back byte for byte", () => {
    // Payloads in the shape of extensions.rb's write_* methods, built with our encoder from integers
    // and strings the Ruby gem tests pin down: Rational 3/4, Complex 1+2**70 i, Date jd 2460370,
    // DateTime, TimeWithZone, Duration, Set, IPAddr 7.1 (raw) and 7.2 (str), URI, Pathname, Regexp.
    // The header msgpack-ruby picks (fixext for 1/2/4/8/16 bytes, else ext8), as msgpack-ruby.test.ts shows.
    const frame = (type: number, body: Buffer) => {
      const fixed = ({ 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 } as Record<number, number>)[body.length];
      return Buffer.concat([fixed === undefined ? Buffer.of(0xc7, body.length, type) : Buffer.of(fixed, type), body]);
    };
    const ext = (type: number, ...values: unknown[]) => frame(type, Buffer.concat(values.map((v) => Buffer.from(encodeMessagePack(v)))));
    const raw = (type: number, text: string) => frame(type, Buffer.from(text));
    const samples = [
      ext(3, 3, 4),
      ext(3, 0),
      ext(4, 1, 2n ** 70n),
      ext(6, 2460370),
      ext(5, 2460370, 12, 30, 45, 0, 1, 24),
      ext(8, 1709209845, 0, 0, "Europe/Paris"),
      ext(10, 3600, [null, null, null, null, 1, null, null]),
      ext(12, ["a", 1]),
      ext(14, "10.0.0.0/8"),
      raw(14, "127.0.0.1"),
      raw(2, "18:0.123e1"),
      raw(9, "Europe/Paris"),
      raw(13, "https://example.com/"),
      raw(15, "/tmp/x"),
      raw(16, "(?-mix:ab+c)"),
      // Hostile shapes a Rails writer never makes: String() of a decoded Hash (no prototype) threw.
      ext(3, { n: 1 }, 4),
      ext(11, {}, 10, false),
      ext(11, [{}], 1, true),
    ];
    for (const bytes of samples) {
      const value = decodeMessagePack(bytes);
      expect(() => JSON.stringify(value), bytes.toString("hex")).not.toThrow();
      expect(Buffer.from(encodeMessagePack(value)).toString("hex")).toBe(bytes.toString("hex"));
    }
  });
});
