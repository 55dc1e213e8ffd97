/**
 * Rails' MessagePack extension types, as `ActiveSupport::MessagePack::Extensions.install` registers
 * them (activesupport/lib/active_support/message_pack/extensions.rb, identical in v7.1.6, v7.2.3 and
 * v8.0.5 except IPAddr, see below).
 *
 * Two kinds of payload:
 * - "raw": the payload is bytes (`packer: :to_s`, `:_dump`, `to_msgpack_ext`): Symbol, Integer,
 *   BigDecimal, TimeZone, URI, Pathname, Regexp, and IPAddr in 7.1;
 * - "recursive" (`recursive: true`): the payload is a run of consecutive MessagePack values written
 *   by the `write_*` methods, e.g. Time is `tv_sec, tv_nsec, utc_offset`.
 *
 * Symbol (0), Integer (1), Time (7) and HashWithIndifferentAccess (17) become native values of the
 * shared mapping (src/ruby/types.ts). Every other type becomes a `RubyObject` with
 * `kind: "msgpack_ext"`, readable `ivars`, and `data` = `{ ext, values }` (recursive) or
 * `{ ext, bytes }` (raw): exactly what is written back.
 */
import { RubyObject, RubyTime } from "../ruby/types.js";
import { utf8String } from "../bytes/index.js";

export const EXT_SYMBOL = 0;
export const EXT_INTEGER = 1;
export const EXT_BIG_DECIMAL = 2;
export const EXT_RATIONAL = 3;
export const EXT_COMPLEX = 4;
export const EXT_DATE_TIME = 5;
export const EXT_DATE = 6;
export const EXT_TIME = 7;
export const EXT_TIME_WITH_ZONE = 8;
export const EXT_TIME_ZONE = 9;
export const EXT_DURATION = 10;
export const EXT_RANGE = 11;
export const EXT_SET = 12;
export const EXT_URI = 13;
export const EXT_IP_ADDR = 14;
export const EXT_PATHNAME = 15;
export const EXT_REGEXP = 16;
export const EXT_HASH_WITH_INDIFFERENT_ACCESS = 17;

/** Ruby class names of the extension types that decode to a `RubyObject`. */
export const EXT_CLASS_NAMES: Readonly<Record<number, string>> = {
  [EXT_BIG_DECIMAL]: "BigDecimal",
  [EXT_RATIONAL]: "Rational",
  [EXT_COMPLEX]: "Complex",
  [EXT_DATE_TIME]: "DateTime",
  [EXT_DATE]: "Date",
  [EXT_TIME_WITH_ZONE]: "ActiveSupport::TimeWithZone",
  [EXT_TIME_ZONE]: "ActiveSupport::TimeZone",
  [EXT_DURATION]: "ActiveSupport::Duration",
  [EXT_RANGE]: "Range",
  [EXT_SET]: "Set",
  [EXT_URI]: "URI::Generic",
  [EXT_IP_ADDR]: "IPAddr",
  [EXT_PATHNAME]: "Pathname",
  [EXT_REGEXP]: "Regexp",
};

/** Payload = bytes. IPAddr is raw in 7.1 (`packer: :to_s`) and recursive from 7.2 (`write_ipaddr`). */
export const RAW_EXTS: ReadonlySet<number> = new Set([
  EXT_SYMBOL,
  EXT_INTEGER,
  EXT_BIG_DECIMAL,
  EXT_TIME_ZONE,
  EXT_URI,
  EXT_PATHNAME,
  EXT_REGEXP,
]);

/** What `data` holds for a `RubyObject` of `kind: "msgpack_ext"`. */
export type MessagePackExtData =
  | { readonly ext: number; readonly values: unknown[]; readonly bytes?: undefined }
  | { readonly ext: number; readonly bytes: Uint8Array; readonly values?: undefined };

/** Is `value` the `data` of a MessagePack-extension RubyObject? */
export function isExtData(value: unknown): value is MessagePackExtData {
  if (typeof value !== "object" || value === null) return false;
  const d = value as Partial<MessagePackExtData>;
  return typeof d.ext === "number" && (Array.isArray(d.values) || d.bytes instanceof Uint8Array);
}

/**
 * How many values a recursive extension's `read_*` method reads, given the values read so far
 * (Rational reads a denominator only when the numerator is not zero: `write_rational`).
 * Returns the total count once it is known.
 */
export function recursiveValueCount(ext: number, values: readonly unknown[]): number {
  switch (ext) {
    case EXT_DATE:
    case EXT_SET:
    case EXT_IP_ADDR:
    case EXT_HASH_WITH_INDIFFERENT_ACCESS:
      return 1;
    case EXT_RATIONAL:
      return values.length === 0 ? 1 : isZero(values[0]) ? 1 : 2;
    case EXT_COMPLEX:
    case EXT_DURATION:
      return 2;
    case EXT_TIME:
    case EXT_RANGE:
      return 3;
    case EXT_TIME_WITH_ZONE:
      return 4;
    case EXT_DATE_TIME: {
      // jd, hour, min, sec, then write_rational(sec_fraction), write_rational(offset).
      if (values.length < 5) return 5;
      const afterFraction = isZero(values[4]) ? 5 : 6;
      if (values.length <= afterFraction) return afterFraction + 1;
      return isZero(values[afterFraction]) ? afterFraction + 1 : afterFraction + 2;
    }
    default:
      return 0;
  }
}

/** Ruby's `numerator.zero?` on whatever was read. */
function isZero(value: unknown): boolean {
  return value === 0 || value === 0n;
}

function text(bytes: Uint8Array): string {
  return utf8String(bytes);
}

const integer = (v: unknown): boolean => typeof v === "bigint" || Number.isInteger(v);

/** The class and fields. RubyObject#toJSON copies ivars as they are; a bigint among them would make JSON throw. */
function plainFields(className: string, ivars: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  out["$class"] = className;
  for (const [k, v] of Object.entries(ivars)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}

function setToJSON(object: RubyObject, toJSON: () => unknown): RubyObject {
  Object.defineProperty(object, "toJSON", { value: toJSON, enumerable: false, configurable: true, writable: true });
  return object;
}

/** Gregorian `YYYY-MM-DD` for a Julian Day Number (display only; Ruby switches to Julian before 1582). */
function jdToISODate(jd: unknown): string | null {
  if (typeof jd !== "number" || !Number.isSafeInteger(jd)) return null;
  const d = new Date((jd - 2440588) * 86_400_000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/** `RubyObject` for a raw-payload extension (BigDecimal, TimeZone, URI, Pathname, Regexp, 7.1 IPAddr). */
export function rawExtObject(ext: number, bytes: Uint8Array): RubyObject {
  const className = EXT_CLASS_NAMES[ext]!;
  const ivars = Object.create(null) as Record<string, unknown>;
  // BigDecimal#_dump is "<max precision>:<to_s>"; as_json is the to_s part.
  const shown = ext === EXT_BIG_DECIMAL ? text(bytes).replace(/^\d+:/, "") : text(bytes);
  ivars[ext === EXT_TIME_ZONE ? "name" : "value"] = shown;
  const object = new RubyObject(className, { ivars, data: { ext, bytes }, kind: "msgpack_ext" });
  return setToJSON(object, () => shown);
}

/** `RubyObject` for a recursive extension, from the values its `write_*` method wrote. */
export function recursiveExtObject(ext: number, values: unknown[]): RubyObject {
  const className = EXT_CLASS_NAMES[ext]!;
  const ivars = Object.create(null) as Record<string, unknown>;
  const names: Record<number, string[]> = {
    [EXT_RATIONAL]: ["numerator", "denominator"],
    [EXT_COMPLEX]: ["real", "imaginary"],
    [EXT_DATE]: ["jd"],
    [EXT_TIME_WITH_ZONE]: ["tv_sec", "tv_nsec", "utc_offset", "time_zone"],
    [EXT_DURATION]: ["value", "parts"],
    [EXT_RANGE]: ["begin", "end", "excl"],
    [EXT_SET]: ["hash"],
    [EXT_IP_ADDR]: ["value"],
  };
  if (ext === EXT_DATE_TIME) {
    const [jd, hour, min, sec] = values;
    Object.assign(ivars, { jd, hour, min, sec, sec_fraction: values.slice(4, isZero(values[4]) ? 5 : 6) });
    ivars["offset"] = values.slice(isZero(values[4]) ? 5 : 6);
  } else {
    (names[ext] ?? []).forEach((name, i) => {
      if (i < values.length) ivars[name] = values[i];
    });
  }
  if (ext === EXT_RATIONAL && values.length === 1) ivars["denominator"] = 1;
  const object = new RubyObject(className, { ivars, data: { ext, values }, kind: "msgpack_ext" });
  // Ruby's as_json for each class (activesupport/lib/active_support/core_ext/object/json.rb).
  switch (ext) {
    case EXT_DATE:
      return setToJSON(object, () => jdToISODate(values[0]));
    case EXT_SET:
      return setToJSON(object, () => values[0]);
    case EXT_IP_ADDR:
      return setToJSON(object, () => values[0]);
    case EXT_RATIONAL:
      // Ruby's Rational holds Integers; other values (a hostile payload's) take the default form.
      if (integer(ivars["numerator"]) && integer(ivars["denominator"])) {
        return setToJSON(object, () => `${String(ivars["numerator"])}/${String(ivars["denominator"])}`);
      }
      return setToJSON(object, () => plainFields(className, ivars));
    case EXT_DURATION:
      return setToJSON(object, () => (typeof values[0] === "bigint" ? String(values[0]) : values[0]));
    case EXT_TIME_WITH_ZONE: {
      const [sec, nsec] = values;
      if (typeof sec === "number" && typeof nsec === "number") {
        const at = new RubyTime(sec * 1000 + Math.floor(nsec / 1e6));
        if (!Number.isNaN(at.getTime())) return setToJSON(object, () => at.toISOString());
      }
      return object;
    }
    case EXT_RANGE:
      return object; // RubyObject#toJSON already gives Range#to_s ("1..10")
    default:
      return setToJSON(object, () => plainFields(className, ivars));
  }
}
