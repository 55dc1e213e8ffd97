/**
 * JavaScript stand-ins for Ruby values that have no JavaScript type of their own.
 *
 * One mapping serves both Marshal and MessagePack sessions (README, "Ruby values"):
 * nil → null, true/false → booleans, Integer → number when safe and bigint beyond 2**53,
 * Float → number, String → string (binary → Uint8Array), Symbol → RubySymbol, Hash → a
 * null-prototype object (a Map when a key is not a String), Time → RubyTime (a Date),
 * anything else → RubyObject.
 *
 * Each type prints and serialises as Ruby's own `as_json` would, so `JSON.stringify` works on a
 * decoded session.
 */
import { strictEncode64 } from "../bytes/index.js";

// `util.inspect.custom` without importing node:util (it is a registered symbol in Node).
const inspect = { custom: Symbol.for("nodejs.util.inspect.custom") } as const;

/** A Ruby Symbol such as `:admin`. Compare by `.name`; JSON and `String()` give the bare name. */
export class RubySymbol {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  toString(): string {
    return this.name;
  }

  /** Ruby's `Symbol#as_json` is its name. */
  toJSON(): string {
    return this.name;
  }

  [inspect.custom](): string {
    return `:${/^[A-Za-z_][A-Za-z0-9_]*[?!=]?$/.test(this.name) ? this.name : JSON.stringify(this.name)}`;
  }
}

/** Shorthand for `new RubySymbol(name)`. */
export function sym(name: string): RubySymbol {
  return new RubySymbol(name);
}

/**
 * A Ruby `Time`. It is a `Date` (millisecond precision) and keeps what `Date` cannot hold: the
 * nanoseconds within the millisecond, the UTC offset and the zone name, so that writing it back
 * gives Ruby the same Time.
 */
export class RubyTime extends Date {
  /** Nanoseconds past the millisecond that `getTime()` holds, 0 ≤ n < 1_000_000 (may be fractional for Rational sub-nanoseconds). */
  nanosecondsPastMillisecond: number;
  /** Seconds east of UTC, or `null` for a UTC Time. */
  utcOffset: number | null;
  /** Zone abbreviation Ruby carried (`"UTC"`, `"CET"`, …), or `null`. */
  zone: string | null;

  constructor(
    epochMilliseconds: number,
    options: { nanosecondsPastMillisecond?: number; utcOffset?: number | null; zone?: string | null } = {},
  ) {
    super(epochMilliseconds);
    this.nanosecondsPastMillisecond = options.nanosecondsPastMillisecond ?? 0;
    this.utcOffset = options.utcOffset ?? null;
    this.zone = options.zone ?? null;
  }

  /** ISO-8601 with microseconds, the way `rails_reads` and Ruby's `iso8601(6)` show a Time. */
  toISOStringMicro(): string {
    const micros = Math.floor(this.nanosecondsPastMillisecond / 1000);
    return this.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(micros).padStart(3, "0")}Z`);
  }
}

/**
 * Any other Ruby object: a Range, a Date, a Struct, an ActiveRecord model, a Set, a user class.
 * It shows the class name and what Ruby stored for it, and goes back to Ruby unchanged.
 */
export class RubyObject {
  /** Ruby class name, e.g. `"Range"`, `"Date"`, `"ActiveSupport::TimeWithZone"`. */
  readonly className: string;
  /**
   * What Ruby stored: instance variables by their Ruby names (`@hash`, or `begin`/`end`/`excl` for a
   * Range), or Struct members by name. A null-prototype object.
   */
  readonly ivars: Record<string, unknown>;
  /**
   * For classes that serialise themselves (`_dump`, `marshal_dump`, MessagePack extensions): the
   * payload as Ruby wrote it, else `undefined`.
   */
  readonly data: unknown;
  /**
   * How Ruby stored it: a plain object (`o`), a Struct (`S`), `_dump` bytes (`u`), `marshal_dump`
   * data (`U`), a MessagePack extension, a Regexp (`/`, data `{ source, options }`), a Class or
   * Module by name (`c`/`m`/`M`), or a `_dump_data` object (`d`).
   */
  readonly kind: "object" | "struct" | "user_dump" | "marshal_dump" | "msgpack_ext" | "regexp" | "class" | "module" | "data";

  constructor(
    className: string,
    init: { ivars?: Record<string, unknown>; data?: unknown; kind?: RubyObject["kind"] } = {},
  ) {
    this.className = className;
    this.ivars = init.ivars ?? (Object.create(null) as Record<string, unknown>);
    this.data = init.data;
    this.kind = init.kind ?? "object";
  }

  /**
   * Mirrors Ruby's `as_json`: a Range of plain ends is its `to_s` ("1..10"); anything else, a Range
   * of Hashes or Arrays included, its class and fields. (`String()` of a decoded Hash, which has no
   * prototype, throws: a mutated MessagePack Range crashed `JSON.stringify` here, found by
   * test/msgpack-hostile.test.ts.)
   */
  toJSON(): unknown {
    if (this.className === "Range" && "begin" in this.ivars && "end" in this.ivars) {
      const b = this.ivars["begin"];
      const e = this.ivars["end"];
      if (rangeEnd(b) && rangeEnd(e)) {
        const show = (v: unknown) => (v === null || v === undefined ? "" : String(v));
        return `${show(b)}${this.ivars["excl"] === true ? "..." : ".."}${show(e)}`;
      }
    }
    // JSON.stringify throws on bigint; Ruby's as_json of a big Integer is the Integer, so give its exact digits.
    const plain = (v: unknown) => (typeof v === "bigint" ? v.toString() : v);
    // No prototype: an ivar or Struct member named `__proto__` is then a plain own key (on an
    // ordinary object, assigning it would replace the result's prototype and vanish from the JSON).
    const out = Object.create(null) as Record<string, unknown>;
    out["$class"] = this.className;
    for (const k of Object.keys(this.ivars)) out[k] = plain(this.ivars[k]);
    if (this.data !== undefined) out["$data"] = this.data instanceof Uint8Array ? { $binary: strictEncode64(this.data) } : plain(this.data);
    return out;
  }
}

/** A Range end whose `to_s` the string form can give: nil, a String, a number, true/false, a Symbol or a time. */
function rangeEnd(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  const t = typeof v;
  return t === "string" || t === "number" || t === "bigint" || t === "boolean" || v instanceof RubySymbol || v instanceof Date;
}
