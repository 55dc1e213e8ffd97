/**
 * JavaScript → Marshal 4.8, byte for byte what Ruby 3.x `Marshal.dump` writes (marshal.c `w_object`).
 *
 * The writer replays Ruby's bookkeeping so links come out where Ruby puts them:
 * - every non-immediate object takes the next object index (`w_remember`), including Integers
 *   between 2**30 and 2**62 that are written as `l` (`w_bigfixnum` bumps the count without
 *   remembering, so they are never linked);
 * - equal "flonum" Floats are one Ruby object, so the second is a `@` link;
 * - Hash String keys are frozen, deduplicated strings (`rb_hash_key_str` → `rb_fstring`), so a key
 *   repeated in another Hash is a `@` link to the first;
 * - a non-UTF-8/US-ASCII encoding name is written once per dump, then linked (`encoding_name`);
 * - Symbols are written once, then `;n`.
 * Loaded values are written from their metadata (see meta.ts) while unchanged.
 */
import { UnserializableError } from "../errors.js";
import { latin1Bytes, latin1String } from "../bytes/index.js";
import { RubyObject, RubySymbol, RubyTime } from "../ruby/types.js";
import { flonumKey, isFlonum, rubyFloatText } from "./float.js";
import {
  type Encoding,
  type Ivar,
  type Node,
  type Slot,
  type StringNode,
  type Wrapping,
  getMeta,
  timeSnapshot,
} from "./meta.js";
import { encodeTime } from "./time.js";
import { magnitudeBytesLE } from "../ruby/bignum.js";

const encoder = new TextEncoder();
/** Deepest nesting written: a quarter of what the loader reads (1024), so whatever we write, we read back. */
const MAX_DEPTH = 256;

function isAsciiOnly(b: Uint8Array): boolean {
  for (const x of b) if (x >= 0x80) return false;
  return true;
}

function fresh(slot: Slot | undefined, value: unknown): Node | undefined {
  return slot && Object.is(slot.value, value) ? slot.node : undefined;
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;
  private count = 0;
  private readonly objects = new Map<object, number>();
  private readonly flonums = new Map<string, number>();
  private readonly fstrings = new Map<string, number>();
  private readonly encodings = new Map<string, number>();
  private readonly symbols = new Map<string, number>();
  private depth = 0;

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private byte(x: number): void {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = x;
  }

  private raw(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + b.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** marshal.c `w_long`. */
  private long(x: number): void {
    if (x === 0) return this.byte(0);
    if (x > 0 && x < 123) return this.byte(x + 5);
    if (x < 0 && x > -124) return this.byte((x - 5) & 0xff);
    const out: number[] = [];
    let v = x;
    for (let i = 1; i <= 4; i++) {
      out.push(((v % 256) + 256) % 256);
      v = Math.floor(v / 256);
      if (v === 0 && x > 0) break;
      if (v === -1 && x < 0) break;
    }
    this.byte(x > 0 ? out.length : (-out.length) & 0xff);
    for (const o of out) this.byte(o);
  }

  private bytes(b: Uint8Array): void {
    this.long(b.length);
    this.raw(b);
  }

  private remember(key: object | undefined): void {
    if (key) this.objects.set(key, this.count);
    this.count++;
  }

  private link(key: object | undefined): boolean {
    const n = key === undefined ? undefined : this.objects.get(key);
    if (n === undefined) return false;
    this.byte(0x40);
    this.long(n);
    return true;
  }

  symbol(name: string): void {
    const n = this.symbols.get(name);
    if (n !== undefined) {
      this.byte(0x3b);
      this.long(n);
      return;
    }
    const b = encoder.encode(name);
    const ascii = isAsciiOnly(b);
    if (!ascii) this.byte(0x49);
    this.byte(0x3a);
    this.bytes(b);
    this.symbols.set(name, this.symbols.size);
    if (!ascii) {
      this.long(1);
      this.symbol("E");
      this.byte(0x54);
    }
  }

  /** `I`? `e:Mod`* `C:Class`? — what marshal.c writes before the type byte. */
  private prefix(hasIvars: boolean, w: Wrapping | undefined): void {
    if (hasIvars) this.byte(0x49);
    for (const m of w?.extended ?? []) {
      this.byte(0x65);
      this.symbol(m);
    }
    if (w?.userClass) {
      this.byte(0x43);
      this.symbol(w.userClass);
    }
  }

  private encodingIvar(enc: Encoding): void {
    if (enc === "binary") return;
    if (enc === "utf8" || enc === "ascii") {
      this.symbol("E");
      this.byte(enc === "utf8" ? 0x54 : 0x46);
      return;
    }
    this.symbol("encoding");
    const n = this.encodings.get(enc.name.toLowerCase());
    if (n !== undefined) {
      this.byte(0x40);
      this.long(n);
      return;
    }
    this.encodings.set(enc.name.toLowerCase(), this.count);
    this.count++;
    this.byte(0x22);
    this.bytes(encoder.encode(enc.name));
  }

  private ivars(list: Ivar[]): void {
    for (const iv of list) {
      this.symbol(iv.name);
      this.value(iv.value, iv.node);
    }
  }

  private string(bytes: Uint8Array, encoding: Encoding, w: Wrapping | undefined, identity: object | undefined, asKey: boolean): void {
    const plainKey = asKey && !w?.userClass && !w?.extended.length && !w?.ivars.length;
    if (plainKey) {
      // Ruby stores Hash String keys as deduplicated frozen strings (hash.c rb_hash_key_str).
      const k = `${typeof encoding === "string" ? encoding : encoding.name}:${latin1String(bytes)}`;
      const n = this.fstrings.get(k);
      if (n !== undefined) {
        this.byte(0x40);
        this.long(n);
        return;
      }
      this.fstrings.set(k, this.count);
      this.remember(undefined);
    } else {
      if (this.link(identity)) return;
      this.remember(identity);
    }
    const extra = w?.ivars ?? [];
    const n = (encoding === "binary" ? 0 : 1) + extra.length;
    this.prefix(n > 0, w);
    this.byte(0x22);
    this.bytes(bytes);
    if (n > 0) {
      this.long(n);
      this.encodingIvar(encoding);
      this.ivars(extra);
    }
  }

  private integer(v: bigint, node: Node | undefined): void {
    if (v >= -(2n ** 30n) && v < 2n ** 30n) {
      this.byte(0x69);
      this.long(Number(v));
      return;
    }
    const small = v > -(2n ** 62n) && v < 2n ** 62n;
    if (!small) {
      if (this.link(node)) return;
      this.remember(node);
    } else {
      this.count++; // w_bigfixnum: takes an index, is never linked
    }
    this.byte(0x6c);
    this.byte(v < 0n ? 0x2d : 0x2b);
    // w_bignum: the magnitude as 16-bit words, least significant first.
    const magnitude = magnitudeBytesLE(v < 0n ? -v : v, 2);
    this.long(magnitude.length / 2);
    this.raw(magnitude);
  }

  private float(d: number, node: Node | undefined): void {
    const text = node?.kind === "float" ? node.text : rubyFloatText(d);
    const w = node?.kind === "float" ? node : undefined;
    if (isFlonum(d)) {
      const k = flonumKey(d);
      const n = this.flonums.get(k);
      if (n !== undefined) {
        this.byte(0x40);
        this.long(n);
        return;
      }
      this.flonums.set(k, this.count);
      this.remember(node);
    } else {
      if (this.link(node)) return;
      this.remember(node);
    }
    const extra = w?.ivars ?? [];
    this.prefix(extra.length > 0, w);
    this.byte(0x66);
    this.bytes(latin1Bytes(text));
    if (extra.length) {
      this.long(extra.length);
      this.ivars(extra);
    }
  }

  value(v: unknown, node: Node | undefined, asKey = false): void {
    if (++this.depth > MAX_DEPTH) throw new UnserializableError(`nesting deeper than ${MAX_DEPTH}`);
    try {
      this.write(v, node, asKey);
    } finally {
      this.depth--;
    }
  }

  private write(v: unknown, node: Node | undefined, asKey: boolean): void {
    if (v === null) return this.byte(0x30);
    if (v === true) return this.byte(0x54);
    if (v === false) return this.byte(0x46);
    if (typeof v === "number") {
      if (node?.kind === "float") return this.float(v, node);
      // -0 only comes from Float arithmetic; Ruby's Integer has no -0.
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return this.integer(BigInt(v), node);
      return this.float(v, undefined);
    }
    if (typeof v === "bigint") return this.integer(v, node);
    if (typeof v === "string") {
      if (node?.kind === "string") return this.string(node.bytes, node.encoding, node, node, asKey);
      return this.string(encoder.encode(v), "utf8", undefined, undefined, asKey);
    }
    if (v instanceof RubySymbol) return this.symbol(v.name);
    if (typeof v !== "object" || v === undefined) throw new UnserializableError(`Marshal cannot hold a ${typeof v}`);
    if (v instanceof Uint8Array) {
      const m = getMeta(v);
      return this.string(v, "binary", m?.kind === "binary" ? m : undefined, v, asKey);
    }
    if (v instanceof Date) return this.time(v);
    if (Array.isArray(v)) return this.array(v);
    if (v instanceof Map) return this.hash(v, [...v.entries()]);
    if (v instanceof RubyObject) return this.object(v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto === null || proto === Object.prototype) {
      const rec = v as Record<string, unknown>;
      return this.hash(v, Object.keys(rec).map((k) => [k, rec[k]] as [unknown, unknown]));
    }
    throw new UnserializableError(`Marshal cannot hold a ${(v as object).constructor?.name ?? "value of this kind"}`);
  }

  private array(a: unknown[]): void {
    if (this.link(a)) return;
    this.remember(a);
    const m = getMeta(a);
    const meta = m?.kind === "array" ? m : undefined;
    this.prefix(!!meta?.ivars.length, meta);
    this.byte(0x5b);
    this.long(a.length);
    for (let i = 0; i < a.length; i++) this.value(a[i], fresh(meta?.slots[i], a[i]));
    if (meta?.ivars.length) {
      this.long(meta.ivars.length);
      this.ivars(meta.ivars);
    }
  }

  /** Entries in Ruby's original order for keys still present, then new keys in JS order. */
  private hash(h: object, current: Array<[unknown, unknown]>): void {
    if (this.link(h)) return;
    this.remember(h);
    const m = getMeta(h);
    const meta = m?.kind === "hash" ? m : undefined;
    const now = new Map(current);
    const ordered: Array<[unknown, unknown, Node | undefined, Node | undefined]> = [];
    const seen = new Set<unknown>();
    for (const e of meta?.entries ?? []) {
      if (!now.has(e.key) || seen.has(e.key)) continue;
      seen.add(e.key);
      const value = now.get(e.key);
      ordered.push([e.key, value, e.keyNode, fresh(e.slot, value)]);
    }
    for (const [k, value] of current) if (!seen.has(k)) ordered.push([k, value, undefined, undefined]);
    this.prefix(!!meta?.ivars.length, meta);
    this.byte(meta?.default ? 0x7d : 0x7b);
    this.long(ordered.length);
    for (const [k, value, keyNode, valueNode] of ordered) {
      this.value(k, keyNode, true);
      this.value(value, valueNode);
    }
    if (meta?.default) this.value(meta.default.value, meta.default.node);
    if (meta?.ivars.length) {
      this.long(meta.ivars.length);
      this.ivars(meta.ivars);
    }
  }

  private time(t: Date): void {
    if (this.link(t)) return;
    const m = getMeta(t);
    if (m?.kind === "time" && t instanceof RubyTime && timeSnapshot(t) === m.snapshot) {
      this.prefix(m.ivars.length > 0, m);
      this.byte(0x75);
      this.symbol("Time");
      this.bytes(m.raw);
      if (m.ivars.length) {
        this.long(m.ivars.length);
        this.ivars(m.ivars);
      }
    } else {
      const enc = encodeTime(t);
      if (!enc) throw new UnserializableError("invalid Date");
      this.prefix(true, undefined);
      this.byte(0x75);
      this.symbol("Time");
      this.bytes(enc.bytes);
      this.long(enc.ivars.length);
      for (const iv of enc.ivars) {
        this.symbol(iv.name);
        if (iv.ascii && typeof iv.value === "string") this.string(encoder.encode(iv.value), "ascii", undefined, undefined, false);
        else this.value(iv.value, undefined);
      }
    }
    this.remember(t); // time.c _dump: remembered after its ivars (marshal.c w_object, s_dump branch)
  }

  private object(o: RubyObject): void {
    if (this.link(o)) return;
    const m = getMeta(o);
    const meta = m?.kind === "object" ? m : undefined;
    const fields = (): void => {
      const names = [...(meta?.order ?? []).filter((n) => Object.prototype.hasOwnProperty.call(o.ivars, n)), ...Object.keys(o.ivars).filter((n) => !meta?.slots.has(n))];
      this.long(names.length);
      for (const n of names) {
        this.symbol(n);
        this.value(o.ivars[n], fresh(meta?.slots.get(n), o.ivars[n]));
      }
    };
    const extra = meta?.ivars ?? [];
    const trailer = (): void => {
      if (extra.length) {
        this.long(extra.length);
        this.ivars(extra);
      }
    };
    switch (o.kind) {
      case "object":
      case "struct":
        this.remember(o);
        this.prefix(extra.length > 0, meta);
        this.byte(o.kind === "object" ? 0x6f : 0x53);
        this.symbol(o.className);
        fields();
        return trailer();
      case "user_dump": {
        if (!(o.data instanceof Uint8Array)) throw new UnserializableError(`${o.className}: _dump data must be bytes`);
        this.prefix(extra.length > 0, meta);
        this.byte(0x75);
        this.symbol(o.className);
        this.bytes(o.data);
        trailer();
        return this.remember(o);
      }
      case "marshal_dump":
      case "data":
        this.remember(o);
        this.prefix(extra.length > 0, meta);
        this.byte(o.kind === "data" ? 0x64 : 0x55);
        this.symbol(o.className);
        this.value(o.data, fresh(meta?.data, o.data));
        return trailer();
      case "regexp": {
        this.remember(o);
        const d = o.data as { source?: unknown; options?: unknown } | undefined;
        if (typeof d?.source !== "string" || typeof d.options !== "number") throw new UnserializableError("Regexp data must be { source, options }");
        let src: StringNode | undefined = meta?.source;
        const original = src && (o.data as { source: string }).source === decodeSource(src) ? src : undefined;
        const bytes = original ? original.bytes : encoder.encode(d.source);
        const enc: Encoding = original ? original.encoding : isAsciiOnly(bytes) ? "ascii" : "utf8";
        const n = (enc === "binary" ? 0 : 1) + extra.length;
        this.prefix(n > 0, meta);
        this.byte(0x2f);
        this.bytes(bytes);
        this.byte(d.options & 0xff);
        if (n > 0) {
          this.long(n);
          this.encodingIvar(enc);
          this.ivars(extra);
        }
        src = undefined;
        return;
      }
      case "class":
      case "module": {
        this.remember(o);
        const t = meta?.data?.value === 0x4d ? 0x4d : o.kind === "class" ? 0x63 : 0x6d;
        this.byte(t);
        return this.bytes(encoder.encode(o.className));
      }
      default:
        throw new UnserializableError(`Marshal cannot hold a RubyObject of kind ${o.kind}`);
    }
  }
}

function decodeSource(s: StringNode): string {
  if (s.encoding === "ascii") return latin1String(s.bytes);
  if (typeof s.encoding === "object") {
    try {
      return new TextDecoder(s.encoding.name).decode(s.bytes);
    } catch {
      return latin1String(s.bytes);
    }
  }
  return new TextDecoder().decode(s.bytes);
}

/** JavaScript value → Marshal bytes, as Ruby writes them. Throws `UnserializableError` for what Marshal cannot hold. */
export function dump(value: unknown): Uint8Array {
  const w = new Writer();
  try {
    w.value(value, undefined);
  } catch (e) {
    if (e instanceof UnserializableError) throw e;
    throw new UnserializableError(`cannot dump: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = w.result();
  const out = new Uint8Array(body.length + 2);
  out[0] = 4;
  out[1] = 8;
  out.set(body, 2);
  return out;
}
