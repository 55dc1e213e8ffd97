/**
 * Marshal 4.8 → JavaScript, following marshal.c `r_object` (Ruby 3.x), for untrusted bytes.
 *
 * Safety: every length is checked against the bytes left before anything is allocated; nesting,
 * object count, input size and bignum size are bounded ({@link MarshalLimits}); class names are only
 * recorded as strings (no lookup, no code runs); hashes become null-prototype objects whose keys,
 * `__proto__` included, are plain data. Anything else that goes wrong is a `MarshalError`.
 *
 * Object table: Ruby numbers every non-immediate object in the order `r_entry` registers it, and a
 * `@n` link refers to that number. The order below is marshal.c's: String, Float, Bignum, Array,
 * Hash, Object, Struct, `U`, Regexp, Class/Module, `d` register before their contents; `u`
 * (`_dump`, e.g. Time) registers after its ivars.
 */
import { MarshalError } from "../errors.js";
import { latin1String } from "../bytes/index.js";
import { RubyObject, RubySymbol, RubyTime } from "../ruby/types.js";
import { parseRubyFloat } from "./float.js";
import { defineBigIntToJSON } from "../ruby/json.js";
import {
  type Encoding,
  type HashEntry,
  type Ivar,
  type Node,
  type ObjectMeta,
  type Slot,
  type StringNode,
  type Wrapping,
  getMeta,
  noWrapping,
  setMeta,
  timeSnapshot,
} from "./meta.js";
import { decodeTime } from "./time.js";

export interface MarshalLimits {
  /**
   * Deepest nesting of values (default 1024). Above what our writer writes (256, src/marshal/dump.ts)
   * and what a JSON (100) or MessagePack (128) cookie rewritten as Marshal can hold, so that every
   * cookie we write reads back; each `I`/`e` wrapper counts as a level too.
   */
  maxDepth?: number;
  /** Most objects plus symbols in the tables (default 100 000). */
  maxObjects?: number;
  /** Longest input accepted (default 16 MiB). */
  maxBytes?: number;
  /** Longest Bignum magnitude in bytes (default 1024, i.e. about 2466 decimal digits). */
  maxBignumBytes?: number;
}

const utf8 = new TextDecoder("utf-8");

interface Entry {
  value: unknown;
  node: Node | undefined;
}

/** A value read, with the Node of the Ruby object behind it when it is a JS primitive. */
type Read = Entry;

class Reader {
  private pos = 2;
  private depth = 0;
  private readonly table: Entry[] = [];
  private readonly symbols: string[] = [];
  private readonly symbolObjects = new Map<string, RubySymbol>();
  /** Placeholders of the Hashes being read, and those a `@` link inside them has referred to. */
  private readonly openHashes = new Set<object>();
  private readonly linkedHashes = new Set<object>();
  private readonly maxDepth: number;
  private readonly maxObjects: number;
  private readonly maxBignumBytes: number;

  constructor(private readonly b: Uint8Array, limits: MarshalLimits) {
    this.maxDepth = limits.maxDepth ?? 1024;
    this.maxObjects = limits.maxObjects ?? 100_000;
    this.maxBignumBytes = limits.maxBignumBytes ?? 1024;
  }

  fail(msg: string): never {
    throw new MarshalError(`${msg} (at byte ${this.pos})`);
  }

  finish(): void {
    if (this.pos !== this.b.length) this.fail(`${this.b.length - this.pos} bytes after the value`);
  }

  private byte(): number {
    if (this.pos >= this.b.length) this.fail("marshal data too short");
    return this.b[this.pos++]!;
  }

  /** marshal.c `r_long`. Ruby writes at most 4 bytes; more is refused. */
  private long(): number {
    const c = (this.byte() << 24) >> 24;
    if (c === 0) return 0;
    if (c > 0) {
      if (c > 4) return c - 5;
      let x = 0;
      for (let i = 0; i < c; i++) x += this.byte() * 2 ** (8 * i);
      return x;
    }
    if (c < -4) return c + 5;
    const n = -c;
    let x = 0;
    for (let i = 0; i < n; i++) x += this.byte() * 2 ** (8 * i);
    return x - 2 ** (8 * n);
  }

  /** A length, checked against what is left (each unit needs at least `unit` bytes). */
  private length(unit: number): number {
    const n = this.long();
    if (n < 0) this.fail("negative length");
    if (n * unit > this.b.length - this.pos) this.fail(`length ${n} exceeds the ${this.b.length - this.pos} bytes left`);
    return n;
  }

  private bytes(): Uint8Array {
    const n = this.length(1);
    const out = this.b.slice(this.pos, this.pos + n); // a copy; `b` is a plain Uint8Array view (see load)
    this.pos += n;
    return out;
  }

  private count(): void {
    if (this.table.length + this.symbols.length >= this.maxObjects) this.fail(`more than ${this.maxObjects} objects`);
  }

  private register(value: unknown, node: Node | undefined): number {
    this.count();
    this.table.push({ value, node });
    return this.table.length - 1;
  }

  private symbolObject(name: string): RubySymbol {
    let s = this.symbolObjects.get(name);
    if (!s) {
      s = new RubySymbol(name);
      this.symbolObjects.set(name, s);
    }
    return s;
  }

  /** marshal.c `r_symbol`: `:name`, `I:name` + encoding ivar, or `;n`. */
  symbol(): string {
    const t = this.byte();
    if (t === 0x3b) {
      const n = this.long();
      const s = this.symbols[n];
      if (s === undefined) this.fail("bad symbol link");
      return s;
    }
    if (t === 0x49) {
      if (this.byte() !== 0x3a) this.fail("dump format error for symbol");
      return this.symbolReal(true);
    }
    if (t !== 0x3a) this.fail(`dump format error for symbol(0x${t.toString(16)})`);
    return this.symbolReal(false);
  }

  private symbolReal(ivar: boolean): string {
    const raw = this.bytes();
    this.count();
    const index = this.symbols.length;
    this.symbols.push("");
    let encoding: Encoding = "utf8";
    if (ivar) {
      const n = this.length(2);
      for (let i = 0; i < n; i++) {
        const name = this.symbol();
        const v = this.value();
        encoding = encodingOf(name, v.value) ?? encoding;
      }
    }
    const name = decode(raw, encoding);
    this.symbols[index] = name;
    return name;
  }

  private ivarList(): Ivar[] {
    const n = this.length(2);
    const out: Ivar[] = [];
    for (let i = 0; i < n; i++) {
      const name = this.symbol();
      const v = this.value();
      out.push({ name, value: v.value, node: v.node });
    }
    return out;
  }

  value(): Read {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    try {
      return this.typed(this.byte(), false, noWrapping());
    } finally {
      this.depth--;
    }
  }

  /**
   * One object of type `t`. `ivars`: an `I` came first, so instance variables follow the object
   * (encoding for Strings/Regexps/Symbols, Time's offset/zone, anything else). `wrap` collects `e`
   * modules and the `C` user class that came before it.
   */
  private typed(t: number, ivars: boolean, wrap: Wrapping): Read {
    switch (t) {
      case 0x30: // '0'
        return this.plain(null, ivars);
      case 0x54: // 'T'
        return this.plain(true, ivars);
      case 0x46: // 'F'
        return this.plain(false, ivars);
      case 0x69: // 'i'
        return this.plain(this.long(), ivars);
      case 0x3a: // ':'
        return { value: this.symbolObject(this.symbolReal(ivars)), node: undefined };
      case 0x3b: { // ';'
        const n = this.long();
        const s = this.symbols[n];
        if (s === undefined) this.fail("bad symbol link");
        return this.plain(this.symbolObject(s), ivars);
      }
      case 0x40: { // '@'
        const n = this.long();
        const e = this.table[n];
        if (e === undefined) this.fail(`dump format error (unlinked @${n})`);
        if (this.openHashes.has(e.value as object)) this.linkedHashes.add(e.value as object);
        return this.plain(e.value, ivars, e.node);
      }
      case 0x49: { // 'I'
        if (ivars) this.fail("dump format error (nested I)");
        if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
        try {
          return this.typed(this.byte(), true, wrap);
        } finally {
          this.depth--;
        }
      }
      case 0x65: { // 'e' extended by a module
        wrap.extended.push(this.symbol());
        if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
        try {
          return this.typed(this.byte(), ivars, wrap);
        } finally {
          this.depth--;
        }
      }
      case 0x43: { // 'C' user class (a subclass of String, Array, Hash, Regexp)
        if (wrap.userClass !== null) this.fail("dump format error (user class)");
        wrap.userClass = this.symbol();
        const inner = this.byte();
        if (![0x22, 0x5b, 0x7b, 0x7d, 0x2f].includes(inner)) this.fail("dump format error (user class)");
        return this.typed(inner, ivars, wrap);
      }
      case 0x66: { // 'f'
        const text = latin1(this.bytes());
        const d = parseRubyFloat(text);
        if (d === undefined) this.fail(`bad float ${JSON.stringify(text)}`);
        const node: Node = { kind: "float", text, ...wrap };
        this.register(d, node);
        return this.withIvars({ value: d, node }, ivars);
      }
      case 0x6c: { // 'l'
        const sign = this.byte();
        if (sign !== 0x2b && sign !== 0x2d) this.fail("bad bignum sign");
        const shorts = this.length(2);
        if (shorts * 2 > this.maxBignumBytes) this.fail(`bignum longer than ${this.maxBignumBytes} bytes`);
        let hex = "";
        for (let i = this.pos + shorts * 2 - 1; i >= this.pos; i--) hex += this.b[i]!.toString(16).padStart(2, "0");
        this.pos += shorts * 2;
        let n = hex === "" ? 0n : BigInt("0x" + hex);
        if (sign === 0x2d) n = -n;
        const value = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
        const node: Node = { kind: "bignum", ...wrap };
        this.register(value, node);
        return this.withIvars({ value, node }, ivars);
      }
      case 0x22: { // '"'
        const bytes = this.bytes();
        const node: StringNode = { kind: "string", bytes, encoding: "binary", ...wrap };
        const index = this.register(bytes, node);
        if (ivars) {
          for (const iv of this.ivarList()) {
            const enc = encodingOf(iv.name, iv.value);
            if (enc) node.encoding = enc;
            else node.ivars.push(iv);
          }
        }
        let value: unknown = bytes;
        if (node.encoding !== "binary") value = decode(bytes, node.encoding);
        else setMeta(bytes, { kind: "binary", ivars: node.ivars, extended: node.extended, userClass: node.userClass });
        this.table[index] = { value, node: node.encoding === "binary" ? undefined : node };
        return { value, node: node.encoding === "binary" ? undefined : node };
      }
      case 0x5b: { // '['
        const n = this.length(1);
        const arr: unknown[] = [];
        const slots: Slot[] = [];
        setMeta(arr, { kind: "array", slots, ...wrap });
        this.register(arr, undefined);
        for (let i = 0; i < n; i++) {
          const v = this.value();
          arr.push(v.value);
          slots.push({ value: v.value, node: v.node });
        }
        defineBigIntToJSON(arr);
        return this.containerIvars(arr, ivars);
      }
      case 0x7b: // '{'
      case 0x7d: // '}'
        return this.hash(t === 0x7d, ivars, wrap);
      case 0x6f: { // 'o'
        const className = this.symbol();
        const obj = new RubyObject(className, { kind: "object" });
        const meta = objectMeta(wrap);
        setMeta(obj, meta);
        this.register(obj, undefined);
        this.fields(obj, meta, this.length(2), false);
        return this.containerIvars(obj, ivars);
      }
      case 0x53: { // 'S'
        const className = this.symbol();
        const obj = new RubyObject(className, { kind: "struct" });
        const meta = objectMeta(wrap);
        setMeta(obj, meta);
        this.register(obj, undefined);
        this.fields(obj, meta, this.length(2), true);
        return this.containerIvars(obj, ivars);
      }
      case 0x75: { // 'u' _dump: bytes, then ivars, then registered
        const className = this.symbol();
        const bytes = this.bytes();
        const list = ivars ? this.ivarList() : [];
        if (className === "Time") {
          const time = decodeTime(bytes, list);
          if (!time) this.fail("bad Time");
          setMeta(time, { kind: "time", raw: bytes, snapshot: timeSnapshot(time), ...wrap, ivars: list });
          this.register(time, undefined);
          return { value: time, node: undefined };
        }
        const obj = new RubyObject(className, { kind: "user_dump", data: bytes });
        setMeta(obj, { ...objectMeta(wrap), ivars: list, data: { value: bytes, node: undefined } });
        this.register(obj, undefined);
        return { value: obj, node: undefined };
      }
      case 0x55: // 'U' marshal_dump and 'd' _dump_data: class, registered, then the data
      case 0x64: {
        const className = this.symbol();
        const obj = new RubyObject(className, { kind: t === 0x55 ? "marshal_dump" : "data" });
        const meta = objectMeta(wrap);
        setMeta(obj, meta);
        this.register(obj, undefined);
        const data = this.value();
        (obj as { data: unknown }).data = data.value;
        meta.data = { value: data.value, node: data.node };
        return this.containerIvars(obj, ivars);
      }
      case 0x2f: { // '/' Regexp: source, options byte, ivars (encoding)
        const raw = this.bytes();
        const options = this.byte();
        const source: StringNode = { kind: "string", bytes: raw, encoding: "binary", ...noWrapping() };
        const obj = new RubyObject("Regexp", { kind: "regexp" });
        const meta = objectMeta(wrap);
        meta.source = source;
        setMeta(obj, meta);
        this.register(obj, undefined);
        if (ivars) {
          for (const iv of this.ivarList()) {
            const enc = encodingOf(iv.name, iv.value);
            if (enc) source.encoding = enc;
            else meta.ivars.push(iv);
          }
        }
        (obj as { data: unknown }).data = { source: decode(raw, source.encoding === "binary" ? "utf8" : source.encoding), options };
        return { value: obj, node: undefined };
      }
      case 0x63: // 'c'
      case 0x6d: // 'm'
      case 0x4d: { // 'M'
        const name = decode(this.bytes(), "utf8");
        const obj = new RubyObject(name, { kind: t === 0x63 ? "class" : "module" });
        setMeta(obj, { ...objectMeta(wrap), data: { value: t, node: undefined } });
        this.register(obj, undefined);
        if (ivars) this.fail("class/module with instance variables");
        return { value: obj, node: undefined };
      }
      default:
        return this.fail(`dump format error(0x${t.toString(16)})`);
    }
  }

  private plain(value: unknown, ivars: boolean, node?: Node): Read {
    if (ivars) this.fail("instance variables on an immediate or a link");
    return { value, node };
  }

  private withIvars(r: Read, ivars: boolean): Read {
    if (ivars && r.node) r.node.ivars.push(...this.ivarList());
    return r;
  }

  private containerIvars(obj: object, ivars: boolean): Read {
    if (ivars) getMeta(obj)!.ivars.push(...this.ivarList());
    return { value: obj, node: undefined };
  }

  /** Object ivars (`@name`) or Struct members, into a null-prototype record. */
  private fields(obj: RubyObject, meta: ObjectMeta, n: number, struct: boolean): void {
    for (let i = 0; i < n; i++) {
      const name = this.symbol();
      const v = this.value();
      if (meta.slots.has(name)) this.fail(`duplicate ${struct ? "member" : "instance variable"} ${name}`);
      Object.defineProperty(obj.ivars, name, { value: v.value, enumerable: true, configurable: true, writable: true });
      meta.order.push(name);
      meta.slots.set(name, { value: v.value, node: v.node });
    }
  }

  private hash(withDefault: boolean, ivars: boolean, wrap: Wrapping): Read {
    const n = this.length(2);
    // Read entries first; whether the Hash becomes an object or a Map depends on its keys, so
    // links to the Hash from inside itself (legal in Ruby) see a placeholder that is swapped after.
    const entries: HashEntry[] = [];
    const placeholder = Object.create(null) as Record<string, unknown>;
    const index = this.register(placeholder, undefined);
    this.openHashes.add(placeholder);
    let def: Slot | undefined;
    try {
      for (let i = 0; i < n; i++) {
        const k = this.value();
        const v = this.value();
        entries.push({ key: k.value, keyNode: k.node, slot: { value: v.value, node: v.node } });
      }
      if (withDefault) {
        const d = this.value();
        def = { value: d.value, node: d.node };
      }
    } finally {
      this.openHashes.delete(placeholder);
    }
    let stringKeys = true;
    for (const e of entries) {
      if (typeof e.key !== "string") {
        stringKeys = false;
        break;
      }
    }
    let result: Record<string, unknown> | Map<unknown, unknown>;
    if (stringKeys) {
      result = placeholder;
      // `placeholder` has no prototype, so a plain assignment makes an own data property for any key
      // (`__proto__` included), as defineProperty did, at a fraction of the cost (docs/bench.md).
      for (const e of entries) {
        const key = e.key as string;
        // Equal String keys (e.g. the same text in two encodings) would collapse into one.
        if (key in result) this.fail("hash keys that collide in JavaScript");
        result[key] = e.slot.value;
      }
    } else {
      const map = new Map<unknown, unknown>();
      result = map;
      this.table[index] = { value: map, node: undefined };
      // `{1 => itself}`: links read while the Hash was open point at the placeholder; they are the Map.
      if (this.linkedHashes.delete(placeholder)) {
        const swap = swapper(placeholder, map);
        for (const e of entries) {
          e.key = swap(e.key);
          e.slot.value = swap(e.slot.value);
        }
        if (def) def.value = swap(def.value);
        for (let i = index + 1; i < this.table.length; i++) replaceIn(this.table[i]!, swap);
      }
      for (const e of entries) map.set(e.key, e.slot.value);
      if (map.size !== entries.length) {
        // Two Ruby keys that are the same JS value (e.g. equal bigints, or a String in two
        // encodings): a Map would drop one, and a dropped key cannot be written back.
        this.fail("hash keys that collide in JavaScript");
      }
    }
    setMeta(result, { kind: "hash", entries, default: def, ...wrap });
    defineBigIntToJSON(result);
    return this.containerIvars(result, ivars);
  }
}

/** Replaces `from` by `to`, leaves anything else alone. */
function swapper(from: object, to: object): (v: unknown) => unknown {
  return (v) => (v === from ? to : v);
}

/**
 * Points every reference that an object read inside a self-linked Hash holds to the placeholder at
 * the Map the Hash became: its JS contents and the slots its Marshal metadata keeps. Runs only for a
 * Hash with non-String keys that a `@` link inside it referred to, over the objects read after it.
 */
function replaceIn(entry: Entry, swap: (v: unknown) => unknown): void {
  const swapIvars = (list: Ivar[]) => {
    for (const iv of list) iv.value = swap(iv.value);
  };
  if (entry.node) swapIvars(entry.node.ivars);
  const v = entry.value;
  if (v === null || typeof v !== "object") return;
  const meta = getMeta(v);
  if (meta) swapIvars(meta.ivars);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = swap(v[i]);
    if (meta?.kind === "array") for (const slot of meta.slots) slot.value = swap(slot.value);
  } else if (v instanceof Map) {
    const items = [...v];
    v.clear();
    for (const [k, item] of items) v.set(swap(k), swap(item));
  } else if (v instanceof RubyObject) {
    for (const k of Object.keys(v.ivars)) v.ivars[k] = swap(v.ivars[k]);
    (v as { data: unknown }).data = swap(v.data);
  } else if (!(v instanceof Uint8Array) && !(v instanceof Date)) {
    const record = v as Record<string, unknown>;
    for (const k of Object.keys(record)) record[k] = swap(record[k]);
  }
  if (meta?.kind === "hash") {
    for (const e of meta.entries) {
      e.key = swap(e.key);
      e.slot.value = swap(e.slot.value);
    }
    if (meta.default) meta.default.value = swap(meta.default.value);
  } else if (meta?.kind === "object") {
    for (const slot of meta.slots.values()) slot.value = swap(slot.value);
    if (meta.data) meta.data.value = swap(meta.data.value);
  }
}

function objectMeta(wrap: Wrapping): ObjectMeta {
  return { kind: "object", order: [], slots: new Map(), data: undefined, ...wrap };
}

/** marshal.c `sym2encidx`: `E` true/false is UTF-8/US-ASCII, `encoding` names another. */
function encodingOf(name: string, value: unknown): Encoding | undefined {
  if (name === "E") {
    if (value === true) return "utf8";
    if (value === false) return "ascii";
    return undefined;
  }
  if (name === "encoding") {
    if (value instanceof Uint8Array) return { name: latin1(value) };
    if (typeof value === "string") return { name: value };
  }
  return undefined;
}

/**
 * One char per byte (U+0000–U+00FF). Short texts (hash keys, encoding names, floats) are built
 * directly; longer ones use Node's latin1 decoding, exactly the same mapping in native code.
 * `String.fromCharCode(...bytes)` spread a typed array through its iterator and was 11% of loading
 * a Ruby-typed session (docs/bench.md).
 */
function latin1(b: Uint8Array): string {
  if (b.length <= 32) {
    let s = "";
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return latin1String(b);
}

function decode(bytes: Uint8Array, enc: Encoding): string {
  if (enc === "utf8" || enc === "binary") return utf8.decode(bytes);
  if (enc === "ascii") return latin1(bytes);
  try {
    return new TextDecoder(enc.name).decode(bytes);
  } catch {
    return latin1(bytes); // an encoding this Node cannot decode: one char per byte; the bytes are kept for write-back
  }
}

/** Bytes Ruby's `Marshal.dump` wrote → JavaScript value. Throws `MarshalError` and nothing else. */
export function load(bytes: Uint8Array, limits: MarshalLimits = {}): unknown {
  try {
    if (!(bytes instanceof Uint8Array)) throw new MarshalError("input is not a Uint8Array");
    const maxBytes = limits.maxBytes ?? 16 * 1024 * 1024;
    if (bytes.length > maxBytes) throw new MarshalError(`input of ${bytes.length} bytes exceeds ${maxBytes}`);
    if (bytes.length < 2) throw new MarshalError("marshal data too short");
    if (bytes[0] !== 4 || bytes[1]! > 8) throw new MarshalError(`incompatible marshal file format ${bytes[0]}.${bytes[1]}, 4.8 required`);
    // Read through a plain Uint8Array view even when given a Buffer: `slice` then copies into a
    // plain Uint8Array (a Buffer's would make a Buffer), and every byte access sees one array kind.
    // A Buffer's subarray + copy was 5% of a Ruby-typed session read (docs/bench.md).
    const r = new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits);
    const v = r.value();
    r.finish();
    return v.value;
  } catch (e) {
    if (e instanceof MarshalError) throw e;
    // A RangeError from a stack overflow or an allocation must still come out as MarshalError.
    throw new MarshalError(`cannot load: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export { RubyTime };
