/**
 * Which MessagePack implementation should read and write Rails' `:message_pack` sessions?
 *
 *   npx tsx bench/msgpack-libs.ts
 *
 * Candidates: msgpackr (pure JS here: its native addon did not build), @msgpack/msgpack, and the
 * codec in src/msgpack/. Each is configured for Rails' extension types (Symbol 0, Integer 1, Time 7,
 * Range 11, HashWithIndifferentAccess 17), big integers as bigint, bin as bytes and str as strings.
 *
 * Input: the real session cookies Rails 8.0.5 wrote (/work/shared/rails-vectors/vectors.jsonl,
 * serializer message_pack, scenarios session_rich and session_ruby_types), decrypted with the crypto
 * layer. First each candidate's correctness is checked (exact big integers, str vs bin, and whether
 * re-encoding gives Rails' bytes back), then decode and encode are timed: rounds interleave the
 * candidates, and the table shows the median ops/s over the rounds.
 */
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { Packr, Unpackr, addExtension } from "msgpackr";
import { Decoder, Encoder, ExtensionCodec } from "@msgpack/msgpack";
import { KeyGenerator, decryptGcm } from "../src/crypto/index.js";
import { unescapeCookieValue } from "../src/cookie/escape.js";
import { loadRailsMessagePack, dumpRailsMessagePack } from "../src/msgpack/index.js";
import { RubySymbol, RubyTime, RubyObject } from "../src/ruby/types.js";

const VECTORS = process.env["RAILS_VECTORS"] ?? fileURLToPath(new URL("../fixtures/rails-vectors/vectors.jsonl", import.meta.url));

function railsPayload(scenario: string): Uint8Array {
  for (const line of readFileSync(VECTORS, "utf8").split("\n")) {
    if (!line) continue;
    const v = JSON.parse(line);
    if (v.serializer !== "message_pack" || v.rails !== "8.0.5" || v.scenario !== scenario) continue;
    const kg = new KeyGenerator(v.secret_key_base, { hashDigestClass: "SHA256" });
    const plain = decryptGcm(unescapeCookieValue(v.value), { cipher: "aes-256-gcm", secret: kg.generateKey("authenticated encrypted cookie", 32) });
    return Buffer.from(JSON.parse(plain.toString("utf8"))._rails.message, "base64");
  }
  throw new Error(`no vector ${scenario}`);
}

interface Candidate {
  name: string;
  decode(bytes: Uint8Array): unknown;
  encode(value: unknown): Uint8Array;
}

// --- msgpackr -------------------------------------------------------------------------------
// Extensions are registered process-wide (addExtension is global state in msgpackr).
// int64AsType "auto" (bigint only beyond 2**53) exists in unpack.js but not in msgpackr's typings.
const mrUnpackr = new Unpackr({ mapsAsObjects: true, int64AsType: "auto", useRecords: false } as unknown as ConstructorParameters<typeof Unpackr>[0]);
const mrPackr = new Packr({ useRecords: false });
// msgpackr keeps its read position in module globals: `unpackMultiple` inside an extension's
// `unpack` corrupts the outer read. Nested `unpack` saves that state, so a recursive payload of n
// values is read as an n-element array.
const mrMany = (buf: Uint8Array, n: number) => mrUnpackr.unpack(Buffer.concat([Buffer.of(0x90 | n), buf])) as unknown[];
const mrCat = (...values: unknown[]) => Buffer.concat(values.map((v) => mrPackr.pack(v)));
class MrRange {
  constructor(readonly values: unknown[]) {}
}
class MrHwia {
  constructor(readonly hash: object) {}
}
// msgpackr refuses `type: 0` with a packer (`if (extension.pack && !extension.type)`, pack.js
// addExtension), and Symbol is Rails' type 0. Workaround: unpack-only registration for 0, and a packer
// registered as 256, which its Uint8Array store truncates to the byte 0.
addExtension({ type: 0, unpack: (b: Uint8Array) => new RubySymbol(Buffer.from(b).toString("utf8")) } as Parameters<typeof addExtension>[0]);
addExtension({ Class: RubySymbol, type: 256, pack: (s: RubySymbol) => Buffer.from(s.name) } as Parameters<typeof addExtension>[0]);
addExtension({
  Class: RubyTime,
  type: 7,
  pack: (t: RubyTime) => mrCat(Math.floor(t.getTime() / 1000), (t.getTime() % 1000) * 1e6 + t.nanosecondsPastMillisecond, t.utcOffset ?? 0),
  unpack: (b: Buffer) => {
    const [s, ns, off] = mrMany(b, 3) as number[];
    return new RubyTime(s! * 1000 + Math.floor(ns! / 1e6), { nanosecondsPastMillisecond: ns! % 1e6, utcOffset: off! });
  },
});
addExtension({ Class: MrRange, type: 11, pack: (r: MrRange) => mrCat(...r.values), unpack: (b: Buffer) => new MrRange(mrMany(b, 3)) });
addExtension({ Class: MrHwia, type: 17, pack: (h: MrHwia) => mrPackr.pack(h.hash), unpack: (b: Buffer) => new MrHwia(mrUnpackr.unpack(b) as object) });
addExtension({
  type: 1,
  Class: class MrBig {},
  pack: () => Buffer.alloc(0),
  unpack: (raw: Uint8Array) => {
    const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let n = 0n;
    for (let i = Math.floor((b.length - 1) / 4) - 1; i >= 0; i--) n = (n << 32n) | BigInt(b.readUInt32BE(1 + i * 4));
    return b[0] === 0 ? n : -n;
  },
});
const msgpackr: Candidate = {
  name: "msgpackr 1.12 (pure JS)",
  decode: (bytes) => mrUnpackr.unpackMultiple(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))![1],
  encode: (value) => mrCat(128, value),
};

// --- @msgpack/msgpack -----------------------------------------------------------------------
const codec = new ExtensionCodec();
const mmDecoderInner = () => mmDecoder;
const mmMany = (data: Uint8Array) => [...mmDecoderInner().decodeMulti(data)];
class MmRange {
  constructor(readonly values: unknown[]) {}
}
class MmHwia {
  constructor(readonly hash: object) {}
}
codec.register({ type: 0, encode: (v) => (v instanceof RubySymbol ? Buffer.from(v.name) : null), decode: (d) => new RubySymbol(Buffer.from(d).toString("utf8")) });
codec.register({
  type: 1,
  encode: () => null,
  decode: (d) => {
    const b = Buffer.from(d);
    let n = 0n;
    for (let i = Math.floor((b.length - 1) / 4) - 1; i >= 0; i--) n = (n << 32n) | BigInt(b.readUInt32BE(1 + i * 4));
    return b[0] === 0 ? n : -n;
  },
});
codec.register({
  type: 7,
  encode: (v) => (v instanceof RubyTime ? mmCat(Math.floor(v.getTime() / 1000), (v.getTime() % 1000) * 1e6 + v.nanosecondsPastMillisecond, v.utcOffset ?? 0) : null),
  decode: (d) => {
    const [s, ns, off] = mmMany(d).map(Number);
    return new RubyTime(s! * 1000 + Math.floor(ns! / 1e6), { nanosecondsPastMillisecond: ns! % 1e6, utcOffset: off! });
  },
});
codec.register({ type: 11, encode: (v) => (v instanceof MmRange ? mmCat(...v.values) : null), decode: (d) => new MmRange(mmMany(d)) });
codec.register({ type: 17, encode: (v) => (v instanceof MmHwia ? mmEncoder.encode(v.hash) : null), decode: (d) => new MmHwia(mmDecoder.decode(d) as object) });
// useBigInt64 turns every int64/uint64 into a bigint, even 2**40; we narrow them afterwards.
const mmDecoder = new Decoder({ extensionCodec: codec, useBigInt64: true });
const mmEncoder = new Encoder({ extensionCodec: codec, useBigInt64: true });
const mmCat = (...values: unknown[]) => Buffer.concat(values.map((v) => mmEncoder.encode(v)));
const atMostSafe = (v: unknown): unknown => {
  if (typeof v === "bigint") return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(atMostSafe);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = atMostSafe((v as Record<string, unknown>)[k]);
  }
  return v;
};
const msgpackMsgpack: Candidate = {
  name: "@msgpack/msgpack 3.1",
  decode: (bytes) => atMostSafe([...mmDecoder.decodeMulti(bytes)][1]),
  encode: (value) => mmCat(128, value),
};

// --- this library ---------------------------------------------------------------------------
const ours: Candidate = { name: "src/msgpack (own)", decode: loadRailsMessagePack, encode: dumpRailsMessagePack };

const candidates = [msgpackr, msgpackMsgpack, ours];

/** "byte-identical", or where and how re-encoding departs from Rails' bytes. */
function compare(got: Uint8Array, want: Uint8Array): string {
  const a = Buffer.from(got);
  const b = Buffer.from(want);
  if (a.equals(b)) return "re-encodes byte-identical";
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `re-encoding differs at byte ${i}: ${a.subarray(i, i + 6).toString("hex")} for Rails' ${b.subarray(i, i + 6).toString("hex")}`;
}

// --- correctness ----------------------------------------------------------------------------
const types = railsPayload("session_ruby_types");
const rich = railsPayload("session_rich");
console.log("Correctness on Rails 8.0.5 session_ruby_types / session_rich:");
for (const c of candidates) {
  const notes: string[] = [];
  try {
    const v = c.decode(types) as Record<string, unknown>;
    if (v["big"] !== 1180591620717411303424n) notes.push(`big=${String(v["big"])}`);
    if (v["past_safe"] !== 9007199254740993n) notes.push(`past_safe=${String(v["past_safe"])}`);
    if (!(v["bin"] instanceof Uint8Array)) notes.push("bin not bytes");
    if (typeof v["session_id"] !== "string") notes.push("str not string");
    if (Object.getPrototypeOf(v) !== null) notes.push("maps are Object.prototype objects");
    notes.push(`ruby_types ${compare(c.encode(v), types)}`);
  } catch (e) {
    notes.push(`throws: ${(e as Error).message}`);
  }
  try {
    notes.push(`rich ${compare(c.encode(c.decode(rich)), rich)}`);
  } catch (e) {
    notes.push(`rich throws: ${(e as Error).message}`);
  }
  console.log(`  ${c.name}: ${notes.join("; ")}`);
}

// --- timing ---------------------------------------------------------------------------------
const ROUNDS = Number(process.env["ROUNDS"] ?? 9);
const ITER = Number(process.env["ITER"] ?? 4000);

function opsPerSecond(fn: () => unknown): number {
  try {
    fn();
  } catch {
    return NaN; // this candidate cannot do it at all (shown as "fails")
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) fn();
  return ITER / (Number(process.hrtime.bigint() - start) / 1e9);
}
const median = (xs: number[]) => (xs.some(Number.isNaN) ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

const results = new Map<string, Record<string, number[]>>();
for (const c of candidates) results.set(c.name, { "decode rich": [], "encode rich": [], "decode ruby_types": [], "encode ruby_types": [] });
const decodedRich = new Map(candidates.map((c) => [c.name, c.decode(rich)]));
const decodedTypes = new Map(candidates.map((c) => [c.name, c.decode(types)]));
for (const c of candidates) for (let i = 0; i < 500; i++) opsPerSecond(() => (c.decode(rich), c.encode(decodedRich.get(c.name))));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of candidates) {
    const r = results.get(c.name)!;
    r["decode rich"]!.push(opsPerSecond(() => c.decode(rich)));
    r["encode rich"]!.push(opsPerSecond(() => c.encode(decodedRich.get(c.name))));
    r["decode ruby_types"]!.push(opsPerSecond(() => c.decode(types)));
    r["encode ruby_types"]!.push(opsPerSecond(() => c.encode(decodedTypes.get(c.name))));
  }
}
console.log(`\nMedian ops/s over ${ROUNDS} interleaved rounds of ${ITER} (Node ${process.version}):`);
const cols = ["decode rich", "encode rich", "decode ruby_types", "encode ruby_types"];
console.log(`| implementation | ${cols.join(" | ")} |`);
console.log(`|---|${cols.map(() => "---:").join("|")}|`);
for (const c of candidates) {
  const r = results.get(c.name)!;
  console.log(`| ${c.name} | ${cols.map((k) => (Number.isNaN(median(r[k]!)) ? "fails" : Math.round(median(r[k]!)).toLocaleString("en-US"))).join(" | ")} |`);
}
