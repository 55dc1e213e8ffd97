/**
 * Round trips through real Ruby: the msgpack gem (Debian `ruby-msgpack`, the packer/unpacker Rails'
 * `ActiveSupport::MessagePack` is built on) decides what the smallest encoding of each value is.
 *
 * For every case Ruby evaluates the Ruby expression and returns `MessagePack` bytes; we check
 * - our encoding of the JavaScript counterpart is exactly Ruby's bytes (int widths, str8/16/32,
 *   bin, fixext vs ext8, array/map headers);
 * - decoding Ruby's bytes and writing them back gives Ruby's bytes (Floats with integral values,
 *   Hash key order);
 * - Ruby reads our bytes back as an `eql?` object.
 *
 * Rails 7.1+ cannot run here, and msgpack 1.4.2 has neither `recursive:` extension packers nor
 * `msgpack/bigint`. So the Time, Range and HWIA packers below restate Rails' `write_time`,
 * `write_range` and `write_hash_with_indifferent_access` (extensions.rb) with the gem's own packer for
 * the inner values; extension 1 (Integers beyond 64 bits) is proven by the Rails vectors only
 * (test/msgpack-rails.test.ts).
 *
 * Needs `ruby` and the msgpack gem: skipped loudly without them, failing instead when CI=true.
 */
import { spawnSync } from "node:child_process";
import { describeNeeding, rubyMsgpack } from "./helpers/needs.js";
import { expect, it } from "vitest";
import { PayloadError } from "../src/errors.js";
import { decodeMessagePack, encodeMessagePack, markHashWithIndifferentAccess } from "../src/msgpack/index.js";
import { RubySymbol, RubyTime } from "../src/ruby/types.js";

const RUBY = String.raw`
require "msgpack"
require "json"
require "active_support"
require "active_support/hash_with_indifferent_access"
f = MessagePack::Factory.new
f.register_type(0, Symbol) # the gem's own Symbol#to_msgpack_ext / Symbol.from_msgpack_ext
many = ->(s) { u = MessagePack::Unpacker.new; u.feed(s); a = []; u.each { |x| a << x }; a }
f.register_type(7, Time,
  packer: ->(t) { [t.tv_sec, t.tv_nsec, t.utc_offset].map { |x| MessagePack.pack(x) }.join.b },
  unpacker: ->(s) { a = many.(s); Time.at(a[0], a[1], :nanosecond, in: a[2]) })
f.register_type(11, Range,
  packer: ->(r) { [r.begin, r.end, r.exclude_end?].map { |x| f.dump(x) }.join.b },
  unpacker: ->(s) { u = f.unpacker; u.feed(s); a = []; u.each { |x| a << x }; Range.new(*a) })
f.register_type(17, ActiveSupport::HashWithIndifferentAccess,
  packer: ->(h) { f.dump(h.to_h) },
  unpacker: ->(s) { ActiveSupport::HashWithIndifferentAccess.new(f.load(s)) })
cases = JSON.parse(STDIN.read)
out = cases.map do |c|
  r = { "version" => MessagePack::VERSION }
  begin
    obj = eval(c["ruby"])
    r["hex"] = f.dump(obj).unpack1("H*") unless c["ruby_only_bytes"]
    r["hex"] = [c["ruby_only_bytes"]].pack("H*").then { |b| b.unpack1("H*") } if c["ruby_only_bytes"]
  rescue => e
    r["error"] = e.class.name
  end
  if c["ours"]
    begin
      back = f.load([c["ours"]].pack("H*"))
      r["reads_ours"] = "ok"
      r["eql"] = back.eql?(obj) || (back.is_a?(Float) && back.nan? && obj.nan?)
      r["redump"] = f.dump(back).unpack1("H*")
    rescue => e
      r["reads_ours"] = e.class.name
    end
  end
  r
end
print JSON.generate(out)
`;

interface Case {
  name: string;
  ruby: string;
  /** The JavaScript value Node would hold; omitted where JavaScript has no distinct value (2.0). */
  js?: unknown;
  /** Why Ruby's `eql?` cannot hold for this case with gem 1.4.2 (bytes are still compared). */
  noEql?: string;
}

const big = (n: bigint) => n;
const str = (c: string, n: number) => c.repeat(n);
const arrayOf = (n: number) => Array.from({ length: n }, (_, i) => i);
const hashOf = (n: number) => {
  const o = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
};
const rubyHashOf = (n: number) => `(0...${n}).to_h { |i| ["k#{i}", i] }`;

const cases: Case[] = [
  ...[0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2 ** 40, Number.MAX_SAFE_INTEGER].map((n) => ({ name: `int ${n}`, ruby: String(n), js: n })),
  ...[-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -(2 ** 40), -Number.MAX_SAFE_INTEGER].map((n) => ({ name: `int ${n}`, ruby: String(n), js: n })),
  { name: "int 2**53+1", ruby: "2**53 + 1", js: big(2n ** 53n + 1n) },
  { name: "int 2**63", ruby: "2**63", js: big(2n ** 63n) },
  { name: "int 2**64-1", ruby: "2**64 - 1", js: big(2n ** 64n - 1n) },
  { name: "int -2**63", ruby: "-2**63", js: big(-(2n ** 63n)) },
  { name: "float 1.5", ruby: "1.5", js: 1.5 },
  { name: "float 0.1", ruby: "0.1", js: 0.1 },
  { name: "float -0.0", ruby: "-0.0", js: -0 },
  { name: "float 1e300", ruby: "1e300", js: 1e300 },
  { name: "float Infinity", ruby: "Float::INFINITY", js: Infinity },
  { name: "floats in an array", ruby: "[2.0, 3, 4.0, 1e20]" },
  { name: "floats in a hash", ruby: '{"a" => 2.0, "b" => 2, "c" => 0.5}' },
  { name: "nil/true/false", ruby: "[nil, true, false]", js: [null, true, false] },
  ...[0, 31, 32, 255, 256, 65535, 65536].map((n) => ({ name: `str ${n} ASCII`, ruby: `"a" * ${n}`, js: str("a", n) })),
  { name: "str 32 bytes of é", ruby: '"é" * 16', js: str("é", 16) },
  { name: "str 256 bytes of 🍪", ruby: '"🍪" * 64', js: str("🍪", 64) },
  { name: "str ISO-8859-1 (transcoded to UTF-8)", ruby: '"é".encode("ISO-8859-1")', js: "é", noEql: "Ruby reads back a UTF-8 String, not eql? to the ISO-8859-1 one" },
  ...[0, 5, 255, 256, 65536].map((n) => ({ name: `bin ${n}`, ruby: `("\\xff".b * ${n})`, js: new Uint8Array(n).fill(0xff) })),
  ...[15, 16, 65536].map((n) => ({ name: `array ${n}`, ruby: `(0...${n}).to_a`, js: arrayOf(n) })),
  ...[15, 16].map((n) => ({ name: `hash ${n}`, ruby: rubyHashOf(n), js: hashOf(n) })),
  { name: "hash with integer-like keys (order)", ruby: '{"b" => 1, "10" => 2, "a" => 3, "2" => 4}' },
  { name: "hash with non-String keys", ruby: '{1 => "a", nil => 2, "s" => 3}', js: new Map<unknown, unknown>([[1, "a"], [null, 2], ["s", 3]]) },
  { name: "hash with a __proto__ key", ruby: '{"__proto__" => {"admin" => true}}' },
  ...["a", "ab", "abc", "abcd", "abcdefgh", "a".repeat(16), "a".repeat(17), "a".repeat(256), "été"].map((s) => ({
    name: `Symbol :${s.length > 8 ? `${s[0]}×${s.length}` : s}`,
    ruby: `${JSON.stringify(s)}.to_sym`,
    js: new RubySymbol(s),
    // gem 1.4.2 interns ext 0 as a binary Symbol; Rails (gem ≥ 1.7, optimized_symbols_parsing) as UTF-8.
    ...(/^[\x00-\x7f]*$/.test(s) ? {} : { noEql: "gem 1.4.2 reads a non-ASCII Symbol as binary" }),
  })),
  {
    name: "Time with nanoseconds at +01:00",
    ruby: 'Time.at(1709209845, 123456789, :nanosecond, in: "+01:00")',
    js: new RubyTime(1709209845123, { nanosecondsPastMillisecond: 456789, utcOffset: 3600 }),
  },
  { name: "JS Date is a Time at +00:00", ruby: "Time.at(1709209845, 123000000, :nanosecond, in: 0)", js: new Date(1709209845123) },
  { name: "Time before 1970", ruby: "Time.at(-1, 999999999, :nanosecond, in: -18000)", js: new RubyTime(-1, { nanosecondsPastMillisecond: 999999, utcOffset: -18000 }) },
  { name: "Range", ruby: "1..10" },
  { name: "Range of floats, exclusive", ruby: "1.0...2.5" },
  { name: "nested session-like hash", ruby: '{"user" => {"id" => 42, "roles" => [:admin, "x"]}, "at" => nil}' },
];

function runRuby(input: object[]): Record<string, unknown>[] {
  const res = spawnSync("ruby", ["-e", RUBY], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`ruby failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>[];
}

describeNeeding(rubyMsgpack, "MessagePack against the Ruby msgpack gem", () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  // One Ruby process for all cases: first Ruby's bytes, then Ruby reading ours.
  const first = runRuby(cases.map((c) => ({ ruby: c.ruby })));
  const ours = cases.map((c, i) => {
    if (c.js !== undefined) return hex(encodeMessagePack(c.js));
    return hex(encodeMessagePack(decodeMessagePack(Buffer.from(String(first[i]!["hex"]), "hex"))));
  });
  const second = runRuby(cases.map((c, i) => ({ ruby: c.ruby, ours: ours[i] })));

  cases.forEach((c, i) => {
    it(`${c.name}: same bytes as Ruby, and Ruby reads ours back`, () => {
      const rubyHex = String(first[i]!["hex"]);
      expect(first[i]!["error"]).toBeUndefined();
      // Our writing of the JavaScript value (or of what we decoded from Ruby's bytes).
      expect(ours[i]).toBe(rubyHex);
      // Ruby's bytes → our value → bytes again.
      expect(hex(encodeMessagePack(decodeMessagePack(Buffer.from(rubyHex, "hex"))))).toBe(rubyHex);
      expect(second[i]!["reads_ours"]).toBe("ok");
      expect(second[i]!["eql"]).toBe(c.noEql === undefined);
      expect(second[i]!["redump"]).toBe(rubyHex);
    });
  });

  // gem 1.4.2 packs a HashWithIndifferentAccess as a plain map (Rails' gem ≥ 1.7 honours ext 17 for a
  // Hash subclass), so Ruby cannot give the bytes; the Rails vectors do (msgpack-rails.test.ts).
  // Here Ruby only reads ours, with Rails' read_hash_with_indifferent_access.
  it("HashWithIndifferentAccess we write is read by Ruby as one", () => {
    const hwia = markHashWithIndifferentAccess(Object.assign(Object.create(null) as object, { lang: "fr", n: 1 }));
    const [r] = runRuby([{ ruby: 'ActiveSupport::HashWithIndifferentAccess.new("lang" => "fr", "n" => 1)', ours: hex(encodeMessagePack(hwia)) }]);
    expect(r!["reads_ours"]).toBe("ok");
    expect(r!["eql"]).toBe(true);
  });

  // Known gap, asserted so it cannot go unnoticed: a whole payload that is one integral Float has no
  // container to remember it in, so it comes back as an Integer.
  it("KNOWN LIMIT: a top-level integral Float (2.0) is written back as the Integer 2", () => {
    const [r] = runRuby([{ ruby: "2.0" }]);
    const rubyHex = String(r!["hex"]);
    expect(rubyHex).toBe("cb4000000000000000");
    expect(decodeMessagePack(Buffer.from(rubyHex, "hex"))).toBe(2);
    expect(hex(encodeMessagePack(decodeMessagePack(Buffer.from(rubyHex, "hex"))))).toBe("02");
  });

  it("nesting: Ruby reads 128 non-empty arrays deep and refuses 129; so do we", () => {
    const nested = (n: number) => `a = [1]; x = a; ${n - 1}.times { y = [1]; x << y; x = y }; a`;
    const [ok, tooDeep] = runRuby([{ ruby: nested(128) }, { ruby: nested(129) }]);
    const okBytes = Buffer.from(String(ok!["hex"]), "hex");
    const deepBytes = Buffer.from(String(tooDeep!["hex"]), "hex");
    const [rubyOk, rubyDeep] = runRuby([
      { ruby: nested(128), ours: okBytes.toString("hex") },
      { ruby: nested(129), ours: deepBytes.toString("hex") },
    ]);
    expect(rubyOk!["reads_ours"]).toBe("ok");
    expect(rubyDeep!["reads_ours"]).toBe("MessagePack::StackError");
    expect(hex(encodeMessagePack(decodeMessagePack(okBytes)))).toBe(okBytes.toString("hex"));
    expect(() => decodeMessagePack(deepBytes)).toThrow(PayloadError);
  });
});
