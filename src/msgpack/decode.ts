/**
 * MessagePack bytes → the shared JavaScript mapping of Ruby values, the way Rails'
 * `ActiveSupport::MessagePack` unpacker (msgpack-ruby + activesupport/lib/active_support/message_pack/
 * extensions.rb) reads them.
 *
 * Written for hostile input (a cookie is attacker-controlled until authenticated, and a stolen
 * secret makes "authenticated" mean little):
 * - every declared length and element count is checked against the bytes left *before* anything is
 *   allocated, so a map32 claiming 4 billion entries or a str32 claiming 4 GB fails at once;
 *   decoded output is therefore bounded by a small multiple of the input size;
 * - nesting is limited to 128 open containers, msgpack-ruby's own unpacker stack
 *   (ext/msgpack/unpacker.h `MSGPACK_UNPACKER_STACK_CAPACITY`), so Rails could not have read
 *   anything deeper either; the recursion depth of this decoder is bounded by the same limit;
 * - maps become null-prototype objects, so a `__proto__` key is just data;
 * - anything malformed throws `PayloadError` (code `bad_payload`) and nothing else.
 */
import { PayloadError } from "../errors.js";
import { defineBigIntToJSON } from "../ruby/json.js";
import { RubySymbol, RubyTime } from "../ruby/types.js";
import {
  EXT_CLASS_NAMES,
  EXT_HASH_WITH_INDIFFERENT_ACCESS,
  EXT_INTEGER,
  EXT_IP_ADDR,
  EXT_SYMBOL,
  EXT_TIME,
  RAW_EXTS,
  rawExtObject,
  recursiveExtObject,
  recursiveValueCount,
} from "./extensions.js";
import { markBrokenString, markHashWithIndifferentAccess, rememberFloat, forgetFloat, rememberKeyOrder } from "./memory.js";

/** msgpack-ruby's unpacker stack capacity: deeper input raises `MessagePack::StackError` in Rails. */
export const MAX_DEPTH = 128;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A bigint when beyond ±(2**53 − 1), else a number: the shared Integer mapping. */
export function normalizeInteger(value: bigint): number | bigint {
  return value > MAX_SAFE || value < -MAX_SAFE ? value : Number(value);
}

/** `MessagePack::Bigint.from_msgpack_ext` (msgpack-ruby lib/msgpack/bigint.rb): sign byte, then
 * 32-bit big-endian chunks, least significant first; `unpack("CL>*")` ignores a partial chunk. */
export function readBigintExt(bytes: Uint8Array): number | bigint {
  const chunks = Math.floor(Math.max(bytes.length - 1, 0) / 4);
  let hex = "";
  for (let i = chunks - 1; i >= 0; i--) {
    const at = 1 + i * 4;
    for (let j = 0; j < 4; j++) hex += bytes[at + j]!.toString(16).padStart(2, "0");
  }
  const magnitude = hex === "" ? 0n : BigInt("0x" + hex);
  // `sign == 0 ? sum : -sum`: a missing sign byte (nil) is not 0.
  return normalizeInteger(bytes.length > 0 && bytes[0] === 0 ? magnitude : -magnitude);
}

class Decoder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  #end: number;
  #depth = 0;
  /** Float width of the value `value()` just returned, 0 when it was not a float. */
  lastFloat: 0 | 32 | 64 = 0;
  /** One RubySymbol per name within a payload, so Symbol keys of a Map compare equal. */
  readonly #symbols = new Map<string, RubySymbol>();

  constructor(bytes: Uint8Array, start: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = bytes.length;
  }

  get pos(): number {
    return this.#pos;
  }

  get atEnd(): boolean {
    return this.#pos === this.#end;
  }

  #need(n: number, what: string): void {
    if (n > this.#end - this.#pos) {
      throw new PayloadError(`MessagePack ${what} needs ${n} bytes at offset ${this.#pos}, ${this.#end - this.#pos} left`);
    }
  }

  #enter(): void {
    if (++this.#depth > MAX_DEPTH) throw new PayloadError(`MessagePack nesting deeper than ${MAX_DEPTH}`);
  }

  value(): unknown {
    this.#need(1, "value");
    const b = this.#bytes[this.#pos++]!;
    this.lastFloat = 0;
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.#map(b & 0x0f);
    if (b <= 0x9f) return this.#array(b & 0x0f);
    if (b <= 0xbf) return this.#str(b & 0x1f);
    const v = this.#view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#bin(this.#length(1));
      case 0xc5:
        return this.#bin(this.#length(2));
      case 0xc6:
        return this.#bin(this.#length(4));
      case 0xc7:
        return this.#ext(this.#length(1));
      case 0xc8:
        return this.#ext(this.#length(2));
      case 0xc9:
        return this.#ext(this.#length(4));
      case 0xca: {
        this.#need(4, "float32");
        const f = v.getFloat32(this.#pos);
        this.#pos += 4;
        this.lastFloat = 32;
        return f;
      }
      case 0xcb: {
        this.#need(8, "float64");
        const f = v.getFloat64(this.#pos);
        this.#pos += 8;
        this.lastFloat = 64;
        return f;
      }
      case 0xcc:
        return this.#length(1);
      case 0xcd:
        return this.#length(2);
      case 0xce:
        return this.#length(4);
      case 0xcf: {
        this.#need(8, "uint64");
        const n = v.getBigUint64(this.#pos);
        this.#pos += 8;
        return normalizeInteger(n);
      }
      case 0xd0: {
        this.#need(1, "int8");
        return v.getInt8(this.#pos++);
      }
      case 0xd1: {
        this.#need(2, "int16");
        const n = v.getInt16(this.#pos);
        this.#pos += 2;
        return n;
      }
      case 0xd2: {
        this.#need(4, "int32");
        const n = v.getInt32(this.#pos);
        this.#pos += 4;
        return n;
      }
      case 0xd3: {
        this.#need(8, "int64");
        const n = v.getBigInt64(this.#pos);
        this.#pos += 8;
        return normalizeInteger(n);
      }
      case 0xd4:
        return this.#ext(1);
      case 0xd5:
        return this.#ext(2);
      case 0xd6:
        return this.#ext(4);
      case 0xd7:
        return this.#ext(8);
      case 0xd8:
        return this.#ext(16);
      case 0xd9:
        return this.#str(this.#length(1));
      case 0xda:
        return this.#str(this.#length(2));
      case 0xdb:
        return this.#str(this.#length(4));
      case 0xdc:
        return this.#array(this.#length(2));
      case 0xdd:
        return this.#array(this.#length(4));
      case 0xde:
        return this.#map(this.#length(2));
      case 0xdf:
        return this.#map(this.#length(4));
      default:
        // 0xc1 is "never used" in the MessagePack spec; msgpack-ruby raises MalformedFormatError.
        throw new PayloadError(`MessagePack byte 0x${b.toString(16)} at offset ${this.#pos - 1} is never used`);
    }
  }

  /** A big-endian unsigned length/integer of `size` bytes. */
  #length(size: 1 | 2 | 4): number {
    this.#need(size, "length");
    const at = this.#pos;
    this.#pos += size;
    if (size === 1) return this.#bytes[at]!;
    if (size === 2) return this.#view.getUint16(at);
    return this.#view.getUint32(at);
  }

  #str(length: number): string | Uint8Array {
    this.#need(length, "str");
    const start = this.#pos;
    this.#pos += length;
    if (length < 64) {
      // Short ASCII (most session keys and values) without TextDecoder's call overhead.
      let s = "";
      let ascii = true;
      for (let i = start; i < start + length; i++) {
        const c = this.#bytes[i]!;
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        s += String.fromCharCode(c);
      }
      if (ascii) return s;
    }
    const slice = this.#bytes.subarray(start, start + length);
    try {
      return utf8.decode(slice);
    } catch {
      // Ruby keeps a str with invalid UTF-8 as a broken String; JavaScript cannot, so it becomes
      // bytes that are written back as str (src/msgpack/memory.ts).
      return markBrokenString(slice.slice());
    }
  }

  #bin(length: number): Uint8Array {
    this.#need(length, "bin");
    const out = this.#bytes.slice(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  #array(count: number): unknown[] {
    // Each element takes at least one byte: refuse counts the input cannot hold before allocating.
    this.#need(count, "array");
    const out: unknown[] = new Array(count);
    if (count === 0) return out;
    this.#enter();
    let hasBigInt = false;
    for (let i = 0; i < count; i++) {
      const item = this.value();
      out[i] = item;
      if (this.lastFloat !== 0 && (this.lastFloat === 32 || Number.isInteger(item))) {
        rememberFloat(out, i, item as number, this.lastFloat);
      }
      if (typeof item === "bigint") hasBigInt = true;
    }
    this.#depth--;
    this.lastFloat = 0;
    if (hasBigInt) defineBigIntToJSON(out);
    return out;
  }

  #map(count: number): Record<string, unknown> | Map<unknown, unknown> {
    this.#need(count * 2, "map");
    if (count === 0) return Object.create(null) as Record<string, unknown>;
    this.#enter();
    const keys: unknown[] = new Array(count);
    const values: unknown[] = new Array(count);
    const floats: (0 | 32 | 64)[] = new Array(count);
    let allStrings = true;
    for (let i = 0; i < count; i++) {
      const key = this.value();
      if (typeof key !== "string") allStrings = false;
      keys[i] = key;
      values[i] = this.value();
      floats[i] = this.lastFloat;
    }
    this.#depth--;
    this.lastFloat = 0;
    let hasBigInt = false;
    let hasFloat = false;
    if (allStrings) {
      const object = Object.create(null) as Record<string, unknown>;
      let indexLike = false;
      for (let i = 0; i < count; i++) {
        const key = keys[i] as string;
        const item = values[i];
        // Ruby's Hash: a repeated key keeps its first position and takes the last value.
        object[key] = item;
        if (floats[i] !== 0 || hasFloat) hasFloat = this.#slotFloat(object, key, item, floats[i]!) || hasFloat;
        if (typeof item === "bigint") hasBigInt = true;
        const c = key.charCodeAt(0);
        if (c >= 0x30 && c <= 0x39) indexLike = true;
      }
      // JavaScript lists array-index keys ("0", "42") first; remember Ruby's order when that moved them.
      if (indexLike) {
        const order = [...new Set(keys as string[])];
        if (Object.keys(object).some((k, i) => k !== order[i])) rememberKeyOrder(object, order);
      }
      return hasBigInt ? defineBigIntToJSON(object) : object;
    }
    const map = new Map<unknown, unknown>();
    for (let i = 0; i < count; i++) {
      map.set(keys[i], values[i]);
      if (floats[i] !== 0 || hasFloat) hasFloat = this.#slotFloat(map, keys[i], values[i], floats[i]!) || hasFloat;
    }
    return defineBigIntToJSON(map);
  }

  /** Remembers (or, for a repeated key, forgets) a float slot; true when one was remembered. */
  #slotFloat(container: object, slot: unknown, value: unknown, width: 0 | 32 | 64): boolean {
    if (width !== 0 && (width === 32 || Number.isInteger(value))) {
      rememberFloat(container, slot, value as number, width);
      return true;
    }
    forgetFloat(container, slot);
    return false;
  }

  #ext(length: number): unknown {
    this.#need(1 + length, "ext");
    const type = this.#view.getInt8(this.#pos++);
    const start = this.#pos;
    const end = start + length;
    if (type === EXT_SYMBOL) {
      this.#pos = end;
      let name: string;
      try {
        name = utf8.decode(this.#bytes.subarray(start, end));
      } catch (cause) {
        // rb_str_intern raises EncodingError on a UTF-8 Symbol name with invalid bytes.
        throw new PayloadError("MessagePack Symbol name is not valid UTF-8", { cause });
      }
      let symbol = this.#symbols.get(name);
      if (symbol === undefined) this.#symbols.set(name, (symbol = new RubySymbol(name)));
      return symbol;
    }
    if (type === EXT_INTEGER) {
      this.#pos = end;
      return readBigintExt(this.#bytes.subarray(start, end));
    }
    const isIpAddr71 = type === EXT_IP_ADDR && !this.#looksLikeStr(start, end);
    if (RAW_EXTS.has(type) || isIpAddr71) {
      this.#pos = end;
      return rawExtObject(type, this.#bytes.slice(start, end));
    }
    if (type !== EXT_TIME && type !== EXT_HASH_WITH_INDIFFERENT_ACCESS && EXT_CLASS_NAMES[type] === undefined) {
      // Unregistered types (and 127, whose unpacker is `raise_invalid_format`) make Rails raise.
      throw new PayloadError(`MessagePack extension type ${type} is not one Rails registers`);
    }
    // Recursive extension: its `read_*` method reads values straight from the stream
    // (msgpack-ruby ext/msgpack/unpacker.c ignores the declared length). Rails always writes the
    // exact length, so we read inside it and insist the values fill it exactly.
    const outerEnd = this.#end;
    this.#end = end;
    this.#enter();
    const values: unknown[] = [];
    let hasBigInt = false;
    while (values.length < recursiveValueCount(type, values)) {
      const item = this.value();
      const i = values.length;
      values.push(item);
      if (this.lastFloat !== 0 && (this.lastFloat === 32 || Number.isInteger(item))) {
        rememberFloat(values, i, item as number, this.lastFloat);
      }
      if (typeof item === "bigint") hasBigInt = true;
    }
    this.#depth--;
    this.lastFloat = 0;
    if (this.#pos !== end) throw new PayloadError(`MessagePack extension ${type} payload has ${end - this.#pos} extra bytes`);
    this.#end = outerEnd;
    if (hasBigInt) defineBigIntToJSON(values);
    if (type === EXT_TIME) return readTime(values);
    if (type === EXT_HASH_WITH_INDIFFERENT_ACCESS) {
      const hash = values[0];
      if (typeof hash !== "object" || hash === null || Array.isArray(hash) || !(hash instanceof Map || Object.getPrototypeOf(hash) === null)) {
        throw new PayloadError("MessagePack HashWithIndifferentAccess does not hold a Hash");
      }
      return markHashWithIndifferentAccess(hash);
    }
    return recursiveExtObject(type, values);
  }

  /** Does [start, end) hold exactly one MessagePack str header? (7.2+ IPAddr, `write_ipaddr`). */
  #looksLikeStr(start: number, end: number): boolean {
    if (start >= end) return false;
    const b = this.#bytes[start]!;
    // An IP address in text starts with a hex digit or ':', never with a str header byte.
    return (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
  }
}

/** `read_time`: `Time.at(sec, nsec, :nanosecond, in: utc_offset)`. */
function readTime(values: unknown[]): RubyTime {
  const [sec, nsec, offset] = values;
  if (typeof sec !== "number" || !Number.isInteger(sec) || typeof nsec !== "number" || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    throw new PayloadError("MessagePack Time is not [tv_sec, tv_nsec, utc_offset] integers");
  }
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset <= -86400 || offset >= 86400) {
    // Ruby's Time.at(in:) refuses offsets of a day or more.
    throw new PayloadError("MessagePack Time has an invalid utc_offset");
  }
  const time = new RubyTime(sec * 1000 + Math.floor(nsec / 1e6), {
    nanosecondsPastMillisecond: nsec % 1e6,
    // `in: 0` gives a Time at +00:00 (not a UTC Time): keep 0, never null.
    utcOffset: offset,
  });
  if (Number.isNaN(time.getTime())) throw new PayloadError("MessagePack Time is outside the range of a JavaScript Date");
  return time;
}

/**
 * Decodes exactly one MessagePack value filling `bytes` from `start`. Trailing bytes are an error,
 * as in msgpack-ruby's `Unpacker#full_unpack` ("extra bytes after the deserialized object").
 */
export function decodeMessagePack(bytes: Uint8Array, start = 0): unknown {
  const decoder = new Decoder(bytes, start);
  const value = decoder.value();
  if (!decoder.atEnd) throw new PayloadError(`MessagePack has ${bytes.length - decoder.pos} extra bytes after the object`);
  return value;
}

/** Decodes one value at `start` and returns it with the offset after it (for the signature). */
export function decodeMessagePackPrefix(bytes: Uint8Array, start = 0): { value: unknown; end: number } {
  const decoder = new Decoder(bytes, start);
  const value = decoder.value();
  return { value, end: decoder.pos };
}
