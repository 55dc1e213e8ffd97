/**
 * The shared JavaScript mapping of Ruby values → MessagePack bytes, as Rails'
 * `ActiveSupport::MessagePack` packer writes them: msgpack-ruby's packer (ext/msgpack/packer.h) with
 * the extension types of activesupport/lib/active_support/message_pack/extensions.rb.
 *
 * msgpack-ruby always picks the smallest encoding (checked against Ruby's own bytes in
 * test/msgpack-ruby.test.ts):
 * - Integer: positive fixint, uint8/16/32/64 for positives, negative fixint, int8/16/32/64 for
 *   negatives; beyond 64 bits extension 1 (`MessagePack::Bigint`, `oversized_integer_extension`);
 * - Float: always float64;
 * - String: UTF-8 → fixstr/str8/str16/str32; binary (ASCII-8BIT) → bin8/16/32;
 * - Array/Hash: fix/16/32 headers; extensions: fixext1/2/4/8/16 when the payload has that size,
 *   else ext8/16/32.
 *
 * What the decoder remembered (src/msgpack/memory.ts) is honoured so an unchanged value is written
 * back byte-for-byte: integral floats stay floats, key order is Ruby's, HWIA stays ext 17.
 */
import { TooLargeError, UnserializableError } from "../errors.js";
import { RubyObject, RubySymbol, RubyTime } from "../ruby/types.js";
import {
  EXT_HASH_WITH_INDIFFERENT_ACCESS,
  EXT_INTEGER,
  EXT_RANGE,
  EXT_SET,
  EXT_SYMBOL,
  EXT_TIME,
  isExtData,
} from "./extensions.js";
import { MAX_DEPTH } from "./decode.js";
import { magnitudeBytesLE } from "../ruby/bignum.js";
import { floatWidthOf, isBrokenString, isHashWithIndifferentAccess, orderedKeys } from "./memory.js";

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const utf8 = new TextEncoder();

/**
 * The work one encoding may do, shared by an encoder and those it frames extensions with. MessagePack
 * has no links, so a value that shares objects (a Marshal DAG read under
 * `message_pack_allow_marshal`) is written once per reference: without a budget 40 levels of
 * `[a, a]` would be 2**40 values. Each value written costs one unit and takes at least one byte.
 */
interface Budget {
  maxBytes: number;
  values: number;
}

/** Default budget: as the JSON writer's (src/serializers/json.ts `DEFAULT_MAX_SERIALIZED_BYTES`). */
const DEFAULT_MAX_BYTES = 1024 * 1024;

class Encoder {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;
  #depth = 0;
  readonly #budget: Budget;

  constructor(budget: Budget, depth = 0) {
    this.#budget = budget;
    this.#depth = depth;
  }

  result(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  #u8(tag: number, n: number): void {
    this.#ensure(2);
    this.#buf[this.#pos++] = tag;
    this.#buf[this.#pos++] = n;
  }

  #u16(tag: number, n: number): void {
    this.#ensure(3);
    this.#buf[this.#pos++] = tag;
    this.#view.setUint16(this.#pos, n);
    this.#pos += 2;
  }

  #u32(tag: number, n: number): void {
    this.#ensure(5);
    this.#buf[this.#pos++] = tag;
    this.#view.setUint32(this.#pos, n);
    this.#pos += 4;
  }

  #raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  #enter(what: string): void {
    // Rails' unpacker cannot read more than 128 open containers (and a cycle would never end).
    if (++this.#depth > MAX_DEPTH) throw new UnserializableError(`${what} nested deeper than ${MAX_DEPTH}: Rails could not read it back`);
  }

  /** Writes one value. `floatWidth` is the width remembered for this slot, if it still holds the decoded float. */
  value(v: unknown, floatWidth?: 32 | 64): void {
    const budget = this.#budget;
    if (++budget.values > budget.maxBytes || this.#pos > budget.maxBytes) {
      throw new TooLargeError(`value is larger than ${budget.maxBytes} bytes as MessagePack (shared objects are written out once per reference)`);
    }
    switch (typeof v) {
      case "number":
        return this.#number(v, floatWidth);
      case "string":
        return this.#string(v);
      case "boolean":
        return this.#byte(v ? 0xc3 : 0xc2);
      case "bigint":
        return this.#bigint(v);
      case "object":
        if (v === null) return this.#byte(0xc0);
        return this.#object(v);
      default:
        throw new UnserializableError(`cannot write a JavaScript ${typeof v} as MessagePack`);
    }
  }

  #number(v: number, floatWidth?: 32 | 64): void {
    if (floatWidth === 32) {
      this.#ensure(5);
      this.#buf[this.#pos++] = 0xca;
      this.#view.setFloat32(this.#pos, v);
      this.#pos += 4;
      return;
    }
    // A safe integer is a Ruby Integer; anything else (fractions, -0, NaN, ±Infinity, integral
    // numbers beyond 2**53, which only a Float can have become) is a Float, always float64.
    if (floatWidth === undefined && Number.isSafeInteger(v) && !Object.is(v, -0)) return this.#int(v);
    this.#ensure(9);
    this.#buf[this.#pos++] = 0xcb;
    this.#view.setFloat64(this.#pos, v);
    this.#pos += 8;
  }

  #int(v: number): void {
    if (v >= 0) {
      if (v <= 0x7f) return this.#byte(v);
      if (v <= 0xff) return this.#u8(0xcc, v);
      if (v <= 0xffff) return this.#u16(0xcd, v);
      if (v <= 0xffffffff) return this.#u32(0xce, v);
      return this.#int64(0xcf, BigInt(v));
    }
    if (v >= -32) return this.#byte(v + 0x100);
    if (v >= -0x80) return this.#u8(0xd0, v + 0x100);
    if (v >= -0x8000) return this.#u16(0xd1, v + 0x10000);
    if (v >= -0x80000000) return this.#u32(0xd2, v + 0x100000000);
    return this.#int64(0xd3, BigInt(v));
  }

  #int64(tag: 0xcf | 0xd3, v: bigint): void {
    this.#ensure(9);
    this.#buf[this.#pos++] = tag;
    if (tag === 0xcf) this.#view.setBigUint64(this.#pos, v);
    else this.#view.setBigInt64(this.#pos, v);
    this.#pos += 8;
  }

  #bigint(v: bigint): void {
    if (v >= INT64_MIN && v <= UINT64_MAX) {
      if (v >= -0xffffffffn && v <= 0xffffffffn) return this.#int(Number(v));
      return this.#int64(v >= 0n ? 0xcf : 0xd3, v);
    }
    // MessagePack::Bigint.to_msgpack_ext (msgpack-ruby lib/msgpack/bigint.rb): sign byte (1 for
    // negative), then the magnitude in 32-bit big-endian chunks, least significant first.
    const negative = v < 0n;
    const le = magnitudeBytesLE(negative ? -v : v, 4);
    const payload = new Uint8Array(1 + le.length);
    payload[0] = negative ? 1 : 0;
    // Each 32-bit chunk big-endian: reverse the bytes within every group of four.
    for (let i = 0; i < le.length; i += 4) {
      payload[1 + i] = le[i + 3]!;
      payload[2 + i] = le[i + 2]!;
      payload[3 + i] = le[i + 1]!;
      payload[4 + i] = le[i]!;
    }
    this.#ext(EXT_INTEGER, payload);
  }

  #string(s: string): void {
    if (!isWellFormed(s)) throw new UnserializableError("string has a lone UTF-16 surrogate: it has no UTF-8 form");
    // Reserve the largest header the string could need, write it, then move it if the actual UTF-8
    // length needs a smaller header (msgpack-ruby writes the smallest).
    const max = s.length * 3;
    this.#ensure(5 + max);
    const headerSize = max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    const start = this.#pos + headerSize;
    const { written } = utf8.encodeInto(s, this.#buf.subarray(start));
    const needed = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (needed !== headerSize) this.#buf.copyWithin(this.#pos + needed, start, start + written);
    this.#strHeader(written);
    this.#pos += written;
  }

  #strHeader(length: number): void {
    if (length < 32) this.#byte(0xa0 | length);
    else if (length < 0x100) this.#u8(0xd9, length);
    else if (length < 0x10000) this.#u16(0xda, length);
    else this.#u32(0xdb, length);
  }

  #binary(bytes: Uint8Array): void {
    if (isBrokenString(bytes)) this.#strHeader(bytes.length);
    else if (bytes.length < 0x100) this.#u8(0xc4, bytes.length);
    else if (bytes.length < 0x10000) this.#u16(0xc5, bytes.length);
    else this.#u32(0xc6, bytes.length);
    this.#raw(bytes);
  }

  #ext(type: number, payload: Uint8Array): void {
    const n = payload.length;
    const fixed = n === 1 ? 0xd4 : n === 2 ? 0xd5 : n === 4 ? 0xd6 : n === 8 ? 0xd7 : n === 16 ? 0xd8 : 0;
    if (fixed !== 0) this.#byte(fixed);
    else if (n < 0x100) this.#u8(0xc7, n);
    else if (n < 0x10000) this.#u16(0xc8, n);
    else this.#u32(0xc9, n);
    this.#byte(type & 0xff);
    this.#raw(payload);
  }

  /** A recursive extension: its values written one after another, then framed (msgpack-ruby packs
   * the payload into its own buffer first, ext/msgpack/packer.c `msgpack_packer_write_other_value`). */
  #recursiveExt(type: number, values: readonly unknown[], container?: object): void {
    this.#framed(type, (inner) =>
      values.forEach((item, i) => inner.value(item, container === undefined ? undefined : floatWidthOf(container, i, item))),
    );
  }

  #framed(type: number, write: (inner: Encoder) => void): void {
    this.#enter("extension");
    const inner = new Encoder(this.#budget, this.#depth);
    write(inner);
    this.#depth--;
    this.#ext(type, inner.result());
  }

  #object(v: object): void {
    if (Array.isArray(v)) return this.#array(v);
    if (v instanceof Uint8Array) return this.#binary(v);
    if (v instanceof RubySymbol) return this.#ext(EXT_SYMBOL, utf8.encode(checked(v.name)));
    if (v instanceof Date) return this.#time(v);
    if (v instanceof RubyObject) return this.#rubyObject(v);
    if (v instanceof Map) {
      if (isHashWithIndifferentAccess(v)) return this.#framed(EXT_HASH_WITH_INDIFFERENT_ACCESS, (inner) => inner.#map(v));
      return this.#map(v);
    }
    // A Ruby Set is written as extension 12 holding `set.to_a` (`write_set`).
    if (v instanceof Set) return this.#recursiveExt(EXT_SET, [[...v]]);
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype) {
      throw new UnserializableError(`cannot write a ${(v as { constructor?: { name?: string } }).constructor?.name ?? "object"} as MessagePack`);
    }
    // `write_hash_with_indifferent_access`: the plain Hash (`hwia.to_h`) inside extension 17.
    if (isHashWithIndifferentAccess(v)) return this.#framed(EXT_HASH_WITH_INDIFFERENT_ACCESS, (inner) => inner.#record(v as Record<string, unknown>));
    return this.#record(v as Record<string, unknown>);
  }

  #array(a: readonly unknown[]): void {
    const n = a.length;
    if (n < 16) this.#byte(0x90 | n);
    else if (n < 0x10000) this.#u16(0xdc, n);
    else this.#u32(0xdd, n);
    if (n === 0) return;
    this.#enter("array");
    for (let i = 0; i < n; i++) this.value(a[i], floatWidthOf(a, i, a[i]));
    this.#depth--;
  }

  #mapHeader(n: number): void {
    if (n < 16) this.#byte(0x80 | n);
    else if (n < 0x10000) this.#u16(0xde, n);
    else this.#u32(0xdf, n);
  }

  #record(o: Record<string, unknown>): void {
    const keys = orderedKeys(o);
    this.#mapHeader(keys.length);
    if (keys.length === 0) return;
    this.#enter("hash");
    for (const k of keys) {
      this.#string(k);
      this.value(o[k], floatWidthOf(o, k, o[k]));
    }
    this.#depth--;
  }

  #map(m: Map<unknown, unknown>): void {
    this.#mapHeader(m.size);
    if (m.size === 0) return;
    this.#enter("hash");
    for (const [k, item] of m) {
      this.value(k);
      this.value(item, floatWidthOf(m, k, item));
    }
    this.#depth--;
  }

  /** `write_time`: tv_sec, tv_nsec, utc_offset. A plain Date is a Time at +00:00. */
  #time(d: Date): void {
    const ms = d.getTime();
    if (Number.isNaN(ms)) throw new UnserializableError("cannot write an invalid Date");
    const sec = Math.floor(ms / 1000);
    let nsec = (ms - sec * 1000) * 1e6;
    let offset = 0;
    if (d instanceof RubyTime) {
      nsec += Math.trunc(d.nanosecondsPastMillisecond);
      offset = d.utcOffset ?? 0;
    }
    this.#recursiveExt(EXT_TIME, [sec, nsec, offset]);
  }

  #rubyObject(o: RubyObject): void {
    const data = o.data;
    if (o.kind === "msgpack_ext" && isExtData(data)) {
      if (data.bytes !== undefined) return this.#ext(data.ext, data.bytes);
      return this.#recursiveExt(data.ext, data.values, data.values);
    }
    // A Range read from Marshal (ivars begin/end/excl) is written as Rails would write a Range.
    if (o.className === "Range" && "begin" in o.ivars && "end" in o.ivars) {
      return this.#recursiveExt(EXT_RANGE, [o.ivars["begin"], o.ivars["end"], o.ivars["excl"] === true]);
    }
    // extensions.rb `raise_unserializable` (type 127): Rails' cookie serializer refuses other objects.
    throw new UnserializableError(`Rails' MessagePack serializer cannot write a ${o.className}`);
  }
}

function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === "function") return native.call(s);
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function checked(name: string): string {
  if (!isWellFormed(name)) throw new UnserializableError("Symbol name has a lone UTF-16 surrogate");
  return name;
}

export interface EncodeOptions {
  /** Most bytes to write (default 1 MiB); beyond it `TooLargeError` (code `too_large`). */
  maxBytes?: number;
}

function finish(encoder: Encoder, budget: Budget): Uint8Array {
  const out = encoder.result();
  if (out.length > budget.maxBytes) throw new TooLargeError(`value is larger than ${budget.maxBytes} bytes as MessagePack`);
  return out;
}

/** Encodes one value, without Rails' signature. */
export function encodeMessagePack(value: unknown, options: EncodeOptions = {}): Uint8Array {
  const budget = { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, values: 0 };
  const encoder = new Encoder(budget);
  encoder.value(value);
  return finish(encoder, budget);
}

/** Encodes Rails' signature (the integer 128, `\xCC\x80`) followed by `value`. */
export function encodeWithSignature(value: unknown, signature: number, options: EncodeOptions = {}): Uint8Array {
  const budget = { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, values: 0 };
  const encoder = new Encoder(budget);
  encoder.value(signature);
  encoder.value(value);
  return finish(encoder, budget);
}
