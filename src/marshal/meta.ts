/**
 * How a loaded value remembers the bytes Ruby wrote for it, so `dump(load(b))` is `b` again.
 *
 * A JavaScript string or number cannot carry "this was a US-ASCII String", "this Float was written
 * as `1e20`" or "this String is the same Ruby object as that one". So the *container* that holds a
 * value (array, hash object, Map, RubyObject) keeps, under the non-enumerable symbol `MARSHAL_META`,
 * one {@link Slot} per element: the JS value it held after loading and the {@link Node} describing
 * the Ruby object it came from. When dumping, a slot whose current value is still `Object.is`-equal
 * to the loaded one is written from its Node (same encoding, same float text, and a `@` link when
 * its Node was already written — link indices are recomputed); a changed slot is written fresh, the
 * way Rails would write a new value. Containers, Uint8Arrays and RubyTimes are JS objects, so their
 * own identity gives links; their formatting (HWIA class, hash default, extra ivars, Time ivars)
 * sits in their own `MARSHAL_META`.
 */
import type { RubyTime } from "../ruby/types.js";

/** Non-enumerable key under which loaded containers keep their Marshal metadata. */
export const MARSHAL_META: unique symbol = Symbol.for("rails-cookie-codec.marshal.meta") as never;

/** `"utf8"` (`E` true), `"ascii"` (`E` false, US-ASCII), `"binary"` (no encoding: ASCII-8BIT), or another encoding's Ruby name. */
export type Encoding = "utf8" | "ascii" | "binary" | { name: string };

/** An instance variable exactly as it came (marshal.c `r_ivar`); `node` keeps its own form. */
export interface Ivar {
  name: string;
  value: unknown;
  node: Node | undefined;
}

/** What Marshal can put around any object: `I` ivars (besides the encoding), `e` modules, a `C` user class. */
export interface Wrapping {
  ivars: Ivar[];
  extended: string[];
  userClass: string | null;
}

export interface StringNode extends Wrapping {
  kind: "string";
  bytes: Uint8Array;
  encoding: Encoding;
}
export interface FloatNode extends Wrapping {
  kind: "float";
  /** The text after `f`, as Ruby wrote it (`"0.1"`, `"1e20"`, `"-inf"`). */
  text: string;
}
export interface BignumNode extends Wrapping {
  kind: "bignum";
}
/** The Ruby object behind a JS primitive. Shared by every slot that linked to that object. */
export type Node = StringNode | FloatNode | BignumNode;

export interface Slot {
  value: unknown;
  node: Node | undefined;
}

export interface ArrayMeta extends Wrapping {
  kind: "array";
  slots: Slot[];
}
export interface HashEntry {
  key: unknown;
  keyNode: Node | undefined;
  slot: Slot;
}
export interface HashMeta extends Wrapping {
  kind: "hash";
  /** Entries in Ruby's order (a JS object enumerates integer-like keys first; Ruby does not). */
  entries: HashEntry[];
  /** `}`: the Hash default (marshal.c TYPE_HASH_DEF); undefined for `{`. */
  default: Slot | undefined;
}
/** A RubyObject's ivars/members in Ruby's order, and its `data` slot. */
export interface ObjectMeta extends Wrapping {
  kind: "object";
  order: string[];
  slots: Map<string, Slot>;
  data: Slot | undefined;
  /** Regexp: the source as Ruby wrote it. */
  source?: StringNode;
}
export interface TimeMeta extends Wrapping {
  kind: "time";
  /** The `_dump` bytes of time.c `time_mdump` and the ivars that followed them. */
  raw: Uint8Array;
  /** What the RubyTime held after loading; if it still does, `raw` + `ivars` are written back. */
  snapshot: string;
}
export interface BinaryMeta extends Wrapping {
  kind: "binary";
}
export type Meta = ArrayMeta | HashMeta | ObjectMeta | TimeMeta | BinaryMeta;

export function getMeta(value: object): Meta | undefined {
  return (value as { [MARSHAL_META]?: Meta })[MARSHAL_META];
}

export function setMeta(value: object, meta: Meta): void {
  Object.defineProperty(value, MARSHAL_META, { value: meta, enumerable: false, configurable: true, writable: true });
}

export function noWrapping(): Wrapping {
  return { ivars: [], extended: [], userClass: null };
}

export function timeSnapshot(t: RubyTime): string {
  return `${t.getTime()}|${t.nanosecondsPastMillisecond}|${t.utcOffset}|${t.zone}`;
}

/**
 * The Ruby class a loaded Hash, Array or String had when it was not the plain class, e.g.
 * `"ActiveSupport::HashWithIndifferentAccess"`; `null` otherwise.
 */
export function rubyClassOf(value: object): string | null {
  return getMeta(value)?.userClass ?? null;
}

/** The default of a loaded Hash written with `}` (Ruby `Hash.new(default)`), else `undefined`. */
export function hashDefault(value: object): unknown {
  const m = getMeta(value);
  return m?.kind === "hash" ? m.default?.value : undefined;
}
