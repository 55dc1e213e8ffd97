/**
 * Hostile input: any bytes decode or fail with MarshalError, in bounded time and memory, without
 * touching Object.prototype. Mutations start from real Ruby dumps (fixtures/marshal/corpus.jsonl and
 * the shared Rails vectors' rails_reads_marshal).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarshalError } from "../src/errors.js";
import { dump, load } from "../src/marshal/index.js";
import { RubyObject, RubySymbol, RubyTime } from "../src/ruby/types.js";
import { marshalSerializer } from "../src/serializers/marshal.js";

const real: Uint8Array[] = [
  ...readFileSync(new URL("../fixtures/marshal/corpus.jsonl", import.meta.url), "utf8").split("\n").filter(Boolean)
    .map((l) => new Uint8Array(Buffer.from(JSON.parse(l).marshal, "base64"))),
  ...readFileSync(new URL("../fixtures/rails-vectors/vectors.jsonl", import.meta.url), "utf8").split("\n").filter(Boolean).slice(0, 80)
    .map((l) => new Uint8Array(Buffer.from(JSON.parse(l).rails_reads_marshal, "base64"))),
].filter((b) => b.length < 3000);

function loadsOrMarshalError(b: Uint8Array): void {
  try {
    const v = load(b);
    try {
      JSON.stringify(v);
    } catch (e) {
      // Ruby data may be cyclic (an Array holding itself); that is the only way JSON.stringify may fail.
      expect(String(e)).toMatch(/circular/i);
    }
  } catch (e) {
    expect(e).toBeInstanceOf(MarshalError);
    expect((e as MarshalError).code).toBe("bad_marshal");
  }
  expect((Object.prototype as Record<string, unknown>)["polluted"]).toBeUndefined();
}

const m = (...parts: Array<string | number[]>) =>
  new Uint8Array([4, 8, ...parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "latin1")] : p))]);

describe("Marshal.load on hostile bytes", () => {
  it("random bytes (with and without the 4.8 header)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (b, header) => {
      loadsOrMarshalError(header ? new Uint8Array([4, 8, ...b]) : b);
    }), { numRuns: 1000 });
  });

  const mutation = fc.record({
    src: fc.integer({ min: 0, max: real.length - 1 }),
    edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom("flip", "insert", "delete", "set"), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
  });
  const mutated = fc.property(mutation, ({ src, edits }) => {
    const b = [...real[src]!];
    for (const e of edits) {
      const i = 2 + (e.at % Math.max(1, b.length - 2));
      if (e.op === "flip") b[i] = (b[i] ?? 0) ^ (1 << (e.byte % 8));
      else if (e.op === "insert") b.splice(i, 0, e.byte);
      else if (e.op === "delete") b.splice(i, 1);
      else b[i] = e.byte;
    }
    loadsOrMarshalError(new Uint8Array(b));
  });

  it("real Ruby dumps with bytes flipped, inserted or deleted", () => {
    fc.assert(mutated, { numRuns: 1000 });
  });

  it("replays the mutation runs that once made JSON.stringify throw (seed 1757436181: a Map keyed by a Hash, then by its own Array)", () => {
    fc.assert(mutated, { numRuns: 1000, seed: 1757436181 });
  });

  it("JSON.stringify works on a Hash keyed by a Hash and a Symbol (a fuzz finding, seed 1757436181)", () => {
    // { {"a"=>1} => 2, :sym => 3 }: non-String keys load as a Map, whose keys become `key.to_s`-like text.
    const v = load(m("{\x07{\x06\"\x06ai\x06i\x07:\x08symi\x08"));
    expect(v).toBeInstanceOf(Map);
    expect(JSON.parse(JSON.stringify(v))).toEqual({ '{"a":1}': 2, sym: 3 });
  });

  const nasty: Array<[string, Uint8Array]> = [
    ["2 GB string claim", m('"', [4, 0xff, 0xff, 0xff, 0x7f], "abc")],
    ["10 MB string claim", m('"', [3, 0x80, 0x96, 0x98], "abc")],
    ["2**31 element array claim", m("[", [4, 0, 0, 0, 0x80])],
    ["hash claiming more pairs than bytes", m("{", [2, 0x10, 0x27], "i\x06i\x06")],
    ["bignum of 1 MB", m("l+", [3, 0, 0, 8])],
    ["negative length", m('"', [0xff, 0x80], "ab")],
    ["100k nested arrays", m("[\x06".repeat(100_000), "0")],
    ["100k nested I", m("I".repeat(100_000), '"\x00\x00')],
    ["100k extended", m("e:\x06M".repeat(100_000), "[\x00")],
    ["link to a future object", m("[\x07@\x06i\x06")],
    ["link with nothing registered", m("@\x00")],
    ["symbol link out of range", m(";\x05")],
    ["truncated", m('[\x07I"\x06a')],
    ["trailing bytes", m("0", "0")],
    ["bad float", m("f\x06x")],
    ["ivars on a fixnum", m("Ii\x06\x06:\x06Ei\x06")],
    ["Time with short bytes", m("Iu:\tTime\x06x\x00")],
    ["wrong version", new Uint8Array([4, 9, 0x30])],
    ["empty", new Uint8Array([])],
  ];
  for (const [name, b] of nasty) {
    it(`rejects: ${name}`, () => {
      expect(() => load(b)).toThrow(MarshalError);
    });
  }

  it("an Array that contains itself loads as a cycle, and dumps back to the same bytes", () => {
    const b = m("[\x07@\x00i\x06");
    const v = load(b) as unknown[];
    expect(v[0]).toBe(v);
    expect(Buffer.from(dump(v))).toEqual(Buffer.from(b));
  });

  it("`__proto__`, `constructor`, `prototype` keys and ivars stay plain data", () => {
    const b = m('{\x07I"\x0e__proto__\x06:\x06ET{\x06I"\rpolluted\x06;\x00TTI"\x10constructor\x06;\x00Ti\x06');
    const v = load(b) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(Object.keys(v)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Buffer.from(dump(v))).toEqual(Buffer.from(b));
    const o = load(m("o:\x0e__proto__\x06:\x0e__proto__{\x06I\"\rpolluted\x06:\x06ETT")) as RubyObject;
    expect(o.className).toBe("__proto__");
    expect(Object.keys(o.ivars)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("limits are enforced", () => {
    const deep = m("[\x06".repeat(10), "0");
    expect(() => load(deep, { maxDepth: 5 })).toThrow(MarshalError);
    expect(load(deep, { maxDepth: 20 })).toBeTruthy();
    const many = m("[", [1, 200], '"\x00'.repeat(200));
    expect(() => load(many, { maxObjects: 100 })).toThrow(MarshalError);
    expect(() => load(many, { maxBytes: 100 })).toThrow(MarshalError);
    expect(() => load(m("l+\x0a", "\x00".repeat(10)), { maxBignumBytes: 8 })).toThrow(MarshalError);
  });

  it("the serializer detects the 4.8 prefix and throws MarshalError", () => {
    expect(marshalSerializer.format).toBe("marshal");
    expect(marshalSerializer.detect(m("0"))).toBe(true);
    expect(marshalSerializer.detect(new TextEncoder().encode('{"a":1}'))).toBe(false);
    expect(() => marshalSerializer.load(m("["))).toThrow(MarshalError);
    expect(marshalSerializer.load(marshalSerializer.dump({ a: [1] }))).toEqual({ a: [1] });
  });
});

// ---- dump → load identity for JS values in the mapping ----
function norm(v: unknown): unknown {
  if (typeof v === "bigint") return { big: v.toString() };
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v;
  if (v instanceof RubySymbol) return { sym: v.name };
  if (v instanceof RubyTime) return { time: v.getTime(), ns: v.nanosecondsPastMillisecond, off: v.utcOffset };
  if (v instanceof Date) return { time: v.getTime(), ns: 0, off: null };
  if (v instanceof Uint8Array) return { bin: Buffer.from(v).toString("hex") };
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [norm(k), norm(x)]) };
  if (v && typeof v === "object") return { obj: Object.keys(v).sort().map((k) => [k, norm((v as Record<string, unknown>)[k])]) };
  return v;
}

const { value: arbValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.maxSafeInteger(), fc.integer(),
    fc.bigInt().filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)),
    fc.double().filter((d) => !Number.isInteger(d) || Object.is(d, -0) || !Number.isFinite(d)),
    fc.string(), fc.string({ unit: "grapheme" }),
    fc.string({ minLength: 1 }).map((s) => new RubySymbol(s)),
    fc.uint8Array({ maxLength: 20 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "10", "2")), tie("value")), { maxLength: 5 }).map((pairs) => {
      const o = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of pairs) Object.defineProperty(o, k, { value: x, enumerable: true, configurable: true, writable: true });
      return o;
    }),
    fc.uniqueArray(fc.tuple(fc.integer(), tie("value")), { selector: ([k]) => k, maxLength: 4 }).filter((p) => p.length > 0).map((p) => new Map(p)),
  ),
}));

describe("dump → load identity", () => {
  it("load(dump(v)) equals v, and dump(load(dump(v))) is dump(v)", () => {
    fc.assert(fc.property(arbValue, (v) => {
      const b = dump(v);
      const back = load(b, { maxDepth: 200 });
      expect(norm(back)).toEqual(norm(v));
      expect(Buffer.from(dump(back))).toEqual(Buffer.from(b));
    }), { numRuns: 500 });
  });
});
