/**
 * Marshal against real Ruby bytes: fixtures/marshal/corpus.jsonl (Ruby 3.1, written by
 * fixtures/marshal/generate.rb) and every `rails_reads_marshal` in the shared Rails vectors.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dump, hashDefault, load, rubyClassOf, rubyFloatText } from "../src/marshal/index.js";
import { RubyObject, RubySymbol, RubyTime } from "../src/ruby/types.js";
import { asRailsReads } from "./helpers/vectors.js";
import { decodeJson } from "../src/serializers/json.js";

type Desc = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface CorpusEntry { name: string; marshal: string; expected: Desc; fresh: boolean }

const corpus: CorpusEntry[] = readFileSync(new URL("../fixtures/marshal/corpus.jsonl", import.meta.url), "utf8")
  .split("\n").filter(Boolean).map((l) => JSON.parse(l));
const vectors = readFileSync(new URL("../fixtures/rails-vectors/vectors.jsonl", import.meta.url), "utf8").split("\n").filter(Boolean)
  .map((l) => ({ line: JSON.parse(l), rawReads: /"rails_reads":(.*),"rails_reads_marshal"/.exec(l)?.[1] }));

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function floatOf(text: string): number {
  return text === "nan" ? NaN : text === "inf" ? Infinity : text === "-inf" ? -Infinity : text === "-0" ? -0 : Number(text);
}

/** Asserts `actual` is what docs/marshal.md's mapping gives for the Ruby value Ruby described. */
function check(d: Desc, actual: unknown, path: string): void {
  const at = (msg: string) => `${path}: ${msg}`;
  if (d === null || d === true || d === false) return void expect(actual, at("immediate")).toBe(d);
  if ("int" in d) {
    const n = BigInt(d.int);
    if (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) expect(actual, at("safe int")).toBe(Number(n));
    else expect(actual, at("bigint")).toBe(n);
    return;
  }
  if ("float" in d) return void expect(Object.is(actual, floatOf(d.float)), at(`float ${d.float} got ${String(actual)}`)).toBe(true);
  if ("sym" in d) return void (expect(actual, at("sym")).toBeInstanceOf(RubySymbol), expect((actual as RubySymbol).name).toBe(d.sym));
  if ("bin" in d) return void (expect(actual, at("bin")).toBeInstanceOf(Uint8Array), expect(hex(actual as Uint8Array)).toBe(hex(Buffer.from(d.bin, "base64"))));
  if ("str" in d) return void expect(actual, at("str")).toBe(d.str);
  if ("extended" in d) return check(d.value, actual, path);
  if ("array" in d) {
    expect(Array.isArray(actual), at("array")).toBe(true);
    const a = actual as unknown[];
    expect(a.length, at("array length")).toBe(d.array.length);
    d.array.forEach((x: Desc, i: number) => check(x, a[i], `${path}[${i}]`));
    return;
  }
  if ("hash" in d) {
    const stringKeys = d.hash.every(([k]: [Desc]) => k && "str" in k && !("class" in k));
    if (stringKeys) {
      expect(actual instanceof Map, at("object hash")).toBe(false);
      expect(Object.getPrototypeOf(actual), at("null prototype")).toBe(null);
      const o = actual as Record<string, unknown>;
      expect(Object.keys(o).sort(), at("keys")).toEqual(d.hash.map(([k]: [Desc]) => k.str).sort());
      for (const [k, v] of d.hash) check(v, o[k.str], `${path}.${k.str}`);
    } else {
      expect(actual, at("Map hash")).toBeInstanceOf(Map);
      const entries = [...(actual as Map<unknown, unknown>)];
      expect(entries.length, at("size")).toBe(d.hash.length);
      d.hash.forEach(([k, v]: [Desc, Desc], i: number) => (check(k, entries[i]![0], `${path}<key ${i}>`), check(v, entries[i]![1], `${path}<${i}>`)));
    }
    if (d.class) expect(rubyClassOf(actual as object), at("class")).toBe(d.class);
    if (d.default) check(d.default, hashDefault(actual as object), `${path}<default>`);
    return;
  }
  if ("time" in d) {
    expect(actual, at("time")).toBeInstanceOf(RubyTime);
    const t = actual as RubyTime;
    const m = /^(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z$/.exec(d.time)!.slice(1).map(Number);
    const got = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()];
    expect(got, at("time fields")).toEqual(m.slice(0, 6));
    expect(t.getUTCMilliseconds() * 1e6 + Math.round(t.nanosecondsPastMillisecond), at("nanos")).toBe(m[6]);
    expect(t.utcOffset, at("offset")).toBe(d.offset);
    expect(t.zone, at("zone")).toBe(d.zone);
    return;
  }
  if ("object" in d) {
    expect(actual, at("object")).toBeInstanceOf(RubyObject);
    const o = actual as RubyObject;
    expect(o.className, at("class")).toBe(d.object);
    expect(o.kind, at("kind")).toBe(d.kind);
    if (d.ivars) {
      expect(Object.keys(o.ivars).sort(), at("ivar names")).toEqual(Object.keys(d.ivars).sort());
      for (const [k, v] of Object.entries(d.ivars)) check(v, o.ivars[k], `${path}.${k}`);
    }
    if (d.kind === "regexp") expect(o.data, at("regexp")).toEqual(d.data);
    else if (d.data !== undefined) check(d.data, o.data, `${path}<data>`);
    return;
  }
  throw new Error(at(`unknown description ${JSON.stringify(d)}`));
}

/** The JS value a caller would build for a description (for "fresh" entries). */
function build(d: Desc): unknown {
  if (d === null || d === true || d === false) return d;
  if ("int" in d) { const n = BigInt(d.int); return Number.isSafeInteger(Number(n)) ? Number(n) : n; }
  if ("float" in d) return floatOf(d.float);
  if ("sym" in d) return new RubySymbol(d.sym);
  if ("bin" in d) return new Uint8Array(Buffer.from(d.bin, "base64"));
  if ("str" in d) return d.str;
  if ("array" in d) return d.array.map(build);
  if ("hash" in d) {
    if (d.hash.every(([k]: [Desc]) => "str" in k)) {
      const o = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of d.hash) Object.defineProperty(o, k.str, { value: build(v), enumerable: true, writable: true, configurable: true });
      return o;
    }
    return new Map(d.hash.map(([k, v]: [Desc, Desc]) => [build(k), build(v)]));
  }
  if ("time" in d) return new Date(d.time.replace(/(\.\d{3})\d{6}Z$/, "$1Z"));
  throw new Error(`cannot build ${JSON.stringify(d)}`);
}

describe("Marshal corpus written by Ruby 3.1 (fixtures/marshal/corpus.jsonl)", () => {
  it("has the cases the mapping covers", () => expect(corpus.length).toBeGreaterThanOrEqual(50));
  for (const e of corpus) {
    const bytes = new Uint8Array(Buffer.from(e.marshal, "base64"));
    it(`${e.name}: loads to Ruby's description`, () => check(e.expected, load(bytes), e.name));
    it(`${e.name}: dump(load(bytes)) is byte-identical`, () => expect(hex(dump(load(bytes)))).toBe(hex(bytes)));
    if (e.fresh) it(`${e.name}: a value built from scratch dumps to Ruby's bytes`, () => expect(hex(dump(build(e.expected)))).toBe(hex(bytes)));
  }
  it("rubyFloatText matches marshal.c w_float for ~400 random doubles", () => {
    const e = corpus.find((c) => c.name === "floats_random")!;
    const loaded = load(Buffer.from(e.marshal, "base64")) as number[];
    expect(loaded.length).toBeGreaterThan(390);
    e.expected.array.forEach((d: Desc, i: number) => expect(Object.is(loaded[i], floatOf(d.float))).toBe(true));
    // Ruby's own text for each double, straight from its dump:
    const texts = [...Buffer.from(e.marshal, "base64").toString("latin1").matchAll(/f([\x06-\x7f])/g)];
    expect(texts.length).toBeGreaterThan(0);
    for (const x of loaded) if (!Number.isInteger(x)) expect(Buffer.from(e.marshal, "base64").toString("latin1")).toContain(rubyFloatText(x));
  });
});

describe("shared Rails vectors: rails_reads_marshal (all lines)", () => {
  it("covers all 410 lines", () => expect(vectors.length).toBe(410));
  for (const { line, rawReads } of vectors) {
    const label = `${line.rails} defaults ${line.defaults} ${line.serializer} ${line.scenario} ${line.kind}`;
    it(`${label}: loads to rails_reads and dumps back byte-identically`, () => {
      const bytes = new Uint8Array(Buffer.from(line.rails_reads_marshal, "base64"));
      const v = load(bytes);
      expect(asRailsReads(v)).toEqual(decodeJson(rawReads!));
      expect(hex(dump(v))).toBe(hex(bytes));
      expect(() => JSON.stringify(v)).not.toThrow();
    });
  }
});

describe("write-back after changes (Rails 6.1 marshal session_ruby_types)", () => {
  const line = vectors.find((v) => v.line.serializer === "marshal" && v.line.scenario === "session_ruby_types")!.line;
  const bytes = new Uint8Array(Buffer.from(line.rails_reads_marshal, "base64"));
  it("keeps US-ASCII keys, HWIA, Time, bignums and the `twice` link when a key is added", () => {
    const s = load(bytes) as Record<string, unknown>;
    s["added"] = "new";
    const out = Buffer.from(dump(s)).toString("latin1");
    const orig = Buffer.from(bytes).toString("latin1");
    // Same prefix up to the last value, the hash length grows by one, the new pair is appended.
    expect(out.slice(3)).toContain(orig.slice(4)); // everything after the hash header is unchanged
    expect(out.endsWith('I"\nadded\x06;\x00TI"\x08new\x06;\x00T')).toBe(true);
  });
  it("deleting `twice`'s first element writes the second in full", () => {
    const s = load(bytes) as Record<string, unknown[]>;
    s["twice"]!.shift();
    const out = Buffer.from(dump(s)).toString("latin1");
    expect(out.endsWith('[\x06I"\tsame\x06;\x00T')).toBe(true);
  });
  it("JSON.stringify gives bigints as exact strings and Time as ISO", () => {
    const j = JSON.parse(JSON.stringify(load(bytes)));
    expect(j.big).toBe("1180591620717411303424");
    expect(j.at).toBe("2024-02-29T12:30:45.123Z");
    expect(j.range).toBe("1..10");
  });
});
