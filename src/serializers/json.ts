/**
 * `ActiveSupport::JSON` as the cookie jar's `:json` serializer uses it
 * (actionpack/lib/action_dispatch/middleware/cookies.rb `JsonSerializer`;
 * activesupport/lib/active_support/json/encoding.rb).
 *
 * Writing: compact JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c` … (Rails'
 * `escape_html_entities_in_json`, on by default). Integers beyond 2**53 are bigints and are written
 * as exact digits. Reading: Ruby's `JSON.parse(quirks_mode: true)`, so bare scalars are accepted, and
 * integers beyond 2**53 come back as exact bigints instead of rounded numbers.
 */
import { latin1String, strictUtf8String, utf8Bytes } from "../bytes/index.js";
import { PayloadError, TooLargeError, UnserializableError } from "../errors.js";
import { defineBigIntToJSON, isDecodedToJSON, mapKeyToJSON } from "../ruby/json.js";
import { RubySymbol } from "../ruby/types.js";
import type { Serializer } from "./types.js";

const ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};
const NEEDS_ESCAPE = /[<>&\u2028\u2029]/g;
const HAS_ESCAPE = /[<>&\u2028\u2029]/;
// A per-process marker no cookie can contain, so a user's string is never mistaken for a bigint.
// Made on first use: Workers forbid generating random values at module load (global scope).
let BIGINT_MARK = "";
function marker(): string {
  if (BIGINT_MARK === "") BIGINT_MARK = `\u0000bigint:${globalThis.crypto.randomUUID()}:`;
  return BIGINT_MARK;
}

/**
 * Ruby's `JSON.parse` default `max_nesting` (json ext/json/parser): ActiveSupport::JSON.decode
 * raises `JSON::NestingError` on the 101st open array or object, so Rails cannot read deeper JSON,
 * and we neither read nor write it.
 */
export const MAX_JSON_NESTING = 100;

/** Default output budget of `encodeJson` and of every serializer: far above any cookie, far below a blocked event loop. */
export const DEFAULT_MAX_SERIALIZED_BYTES = 1024 * 1024;

export interface EncodeJsonOptions {
  /**
   * Most bytes to write (default 1 MiB). Shared objects are written once per reference, as JSON
   * must, so a small decoded value can expand enormously (a Marshal DAG of 40 `[a, a]` levels is
   * 2**40 leaves); the writer stops with `TooLargeError` (code `too_large`) once the output or
   * the number of values visited passes this budget, so its work is bounded by the budget.
   */
  maxBytes?: number;
}

/**
 * `ActiveSupport::JSON.encode(value)` (activesupport/lib/active_support/json/encoding.rb): what
 * `JSON.stringify` writes (`toJSON` honoured, `undefined` and functions dropped from objects), with
 * these differences, each Rails' behaviour:
 * - a bigint is written with every digit, as Ruby writes an Integer;
 * - a `Uint8Array` (a binary String) is written as the String its bytes spell when they are UTF-8,
 *   as Ruby's JSON generator does, and refused (`UnserializableError`) when they are not (Ruby
 *   raises `JSON::GeneratorError`);
 * - a cycle, or nesting deeper than `MAX_JSON_NESTING`, is `UnserializableError` (Rails could not
 *   read it back), never a `RangeError`;
 * - `<`, `>`, `&`, U+2028, U+2029 are escaped (`escape_html_entities_in_json`).
 */
export function encodeJson(value: unknown, options: EncodeJsonOptions = {}): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SERIALIZED_BYTES;
  // Plain data (what JSON decoding gives: objects, arrays, strings, numbers) takes the native
  // writer, several times faster; the walk that proves it plain is bounded by the same budget.
  const text = isPlainJson(value, maxBytes) ? JSON.stringify(value) : new JsonWriter(maxBytes).top(value);
  if (text === undefined) throw new UnserializableError("value cannot be written as JSON");
  if (text.length > maxBytes) throw tooLarge(maxBytes);
  // Most sessions hold none of the five: a test is cheaper than a replace that finds nothing.
  return HAS_ESCAPE.test(text) ? text.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]!) : text;
}

function tooLarge(maxBytes: number): TooLargeError {
  return new TooLargeError(`value is larger than ${maxBytes} bytes as JSON (shared objects are written out once per reference)`);
}

/**
 * True when `JSON.stringify` writes `value` exactly as Rails would, in work bounded by `maxVisits`:
 * no bigint, binary, `toJSON`, class instance, nesting beyond Rails' limit, and no more values
 * (counted as JSON writes them, shared ones once per reference) than the budget. Anything else
 * goes to `JsonWriter`, which gives the precise answer or error.
 */
function isPlainJson(value: unknown, maxVisits: number): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  let visits = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (++visits > maxVisits) return false;
    if (typeof v === "bigint") return false;
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_JSON_NESTING || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        stack.push(v[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    for (const k in v) {
      stack.push((v as Record<string, unknown>)[k]);
      depths.push(depth + 1);
    }
  }
  return true;
}

class JsonWriter {
  private readonly parts: string[] = [];
  private size = 0;
  private visits = 0;

  constructor(
    private readonly maxBytes: number,
    /** The containers being written, to refuse cycles (by the object before and after its `toJSON`). */
    private readonly open = new Set<object>(),
  ) {}

  top(value: unknown): string | undefined {
    if (!this.value(prepare(value, ""), 0)) return undefined;
    return this.parts.join("");
  }

  private emit(text: string): void {
    this.size += text.length;
    if (this.size > this.maxBytes) this.tooLarge();
    this.parts.push(text);
  }

  private tooLarge(): never {
    throw tooLarge(this.maxBytes);
  }

  /** Writes an already-`toJSON`ed value; false when JSON has no text for it (undefined, a function, a symbol). */
  private value(v: unknown, depth: number): boolean {
    if (++this.visits > this.maxBytes) this.tooLarge();
    switch (typeof v) {
      case "string":
        this.emit(JSON.stringify(v));
        return true;
      case "number":
        this.emit(Number.isFinite(v) ? String(v) : "null");
        return true;
      case "bigint":
        this.emit(v.toString());
        return true;
      case "boolean":
        this.emit(v ? "true" : "false");
        return true;
      case "object":
        if (v === null) {
          this.emit("null");
          return true;
        }
        return this.container(v, depth + 1);
      default:
        return false;
    }
  }

  private container(v: object, depth: number): boolean {
    if (v instanceof Uint8Array) {
      this.emit(JSON.stringify(binaryText(v)));
      return true;
    }
    if (depth > MAX_JSON_NESTING) {
      throw new UnserializableError(`value nested deeper than ${MAX_JSON_NESTING} levels: Rails' JSON.parse (max_nesting ${MAX_JSON_NESTING}) cannot read it back`);
    }
    if (this.open.has(v)) throw new UnserializableError("value is cyclic: JSON cannot hold it");
    this.open.add(v);
    try {
      if (Array.isArray(v)) {
        this.emit("[");
        for (let i = 0; i < v.length; i++) {
          if (i > 0) this.emit(",");
          if (!this.value(this.child(v[i], String(i)), depth)) this.emit("null");
        }
        this.emit("]");
        return true;
      }
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) throw new UnserializableError("binary data other than a Uint8Array cannot be written as JSON");
      this.emit("{");
      let first = true;
      const member = (key: string, raw: unknown): void => {
        const item = this.child(raw, key);
        if (item === undefined || typeof item === "function" || typeof item === "symbol") return;
        this.emit(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
        first = false;
        this.value(item, depth);
      };
      if (v instanceof Map) {
        // A decoded Hash with non-String keys: `Hash#as_json` stringifies each key.
        for (const [k, item] of v) member(this.keyText(k), item);
      } else {
        const record = v as Record<string, unknown>;
        for (const key of Object.keys(record)) member(key, record[key]);
      }
      this.emit("}");
      return true;
    } finally {
      this.open.delete(v);
    }
  }

  /** A Map key's text (`key.to_s`); a key that is itself a container is written as JSON, on what is left of the budget. */
  private keyText(key: unknown): string {
    if (key === null || typeof key !== "object" || key instanceof RubySymbol || key instanceof Uint8Array) return mapKeyToJSON(key);
    const text = new JsonWriter(Math.max(0, this.maxBytes - this.size), this.open).top(key) ?? "";
    this.size += text.length;
    return text;
  }

  /** `toJSON` of a member; a `toJSON` that hands back an object being written is a cycle too. */
  private child(v: unknown, key: string): unknown {
    const out = prepare(v, key);
    if (out !== v && out !== null && typeof out === "object" && this.open.has(out)) throw new UnserializableError("value is cyclic: JSON cannot hold it");
    return out;
  }
}

/**
 * `JSON.stringify`'s `toJSON` step (a Date, a RubySymbol, a RubyObject). A decoded container's own
 * `toJSON` (src/ruby/json.ts: bigints as strings, for `JSON.stringify`) is skipped: this writer
 * writes bigints as numbers itself, and a Map as an object keyed by `key.to_s`.
 */
function prepare(v: unknown, key: string): unknown {
  if (v !== null && typeof v === "object") {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function" && !isDecodedToJSON(toJSON)) return (toJSON as (key: string) => unknown).call(v, key);
  }
  return v;
}

/** A binary String as Ruby's JSON generator writes it: its bytes as UTF-8 text, or an error. */
function binaryText(bytes: Uint8Array): string {
  const text = strictUtf8String(bytes);
  if (text === null) throw new UnserializableError("a binary string that is not UTF-8 cannot be written as JSON (Ruby's JSON raises GeneratorError)");
  return text;
}

/**
 * True when a parsed JSON value holds a number that may have lost digits: an integer beyond 2**53
 * in magnitude, or an infinity (an integer token of 309+ digits parses to Infinity). A float token
 * like 1e300 or 1e400 also answers true; the exact second parse then leaves it a float, as Ruby
 * does. Walking the parsed value is several times cheaper than scanning the text for a 16-digit
 * run, which was 6% of a session read (docs/bench.md). The same walk enforces Ruby's
 * `max_nesting`. Iterative: V8's JSON.parse nests far deeper than any recursion could.
 */
function holdsUnsafeInteger(value: unknown): boolean {
  let found = false;
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (typeof v === "number") {
      if (!Number.isSafeInteger(v) && (Number.isInteger(v) || !Number.isFinite(v))) found = true;
    } else if (v !== null && typeof v === "object") {
      if (depth + 1 > MAX_JSON_NESTING) throw new PayloadError(`JSON nested deeper than ${MAX_JSON_NESTING} levels (Ruby's JSON.parse max_nesting)`);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          stack.push(v[i]);
          depths.push(depth + 1);
        }
      } else {
        for (const k in v) {
          stack.push((v as Record<string, unknown>)[k]);
          depths.push(depth + 1);
        }
      }
    }
  }
  return found;
}

/** Rewrites integer tokens beyond 2**53 (outside strings) as marked strings for the reviver. */
function markBigIntegers(text: string): string {
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < text.length && /[0-9eE+\-.]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += text.slice(last, i) + JSON.stringify(marker() + token);
        last = j;
      }
      i = j - 1;
    }
  }
  return out + text.slice(last);
}

function reviveBigInt(_key: string, value: unknown): unknown {
  // marker(), not BIGINT_MARK: the text may have held no integer token to mark (a float such as
  // 4.9e+22 also sends it here), and an unmade marker is "", which every string starts with.
  const mark = marker();
  if (typeof value === "string" && value.startsWith(mark)) return BigInt(value.slice(mark.length));
  // Containers that hold a bigint get a toJSON, so JSON.stringify works on the decoded value
  // (src/ruby/json.ts; only this exact pass can produce bigints).
  if (value !== null && typeof value === "object") defineBigIntToJSON(value);
  return value;
}

/** `ActiveSupport::JSON.decode(text)`; throws `PayloadError`. */
export function decodeJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (!holdsUnsafeInteger(value)) return value;
    // An integer beyond 2**53 was rounded: parse again keeping integer tokens exact.
    return JSON.parse(markBigIntegers(text), reviveBigInt);
  } catch (cause) {
    if (cause instanceof PayloadError) throw cause;
    throw new PayloadError("payload is not valid JSON", { cause });
  }
}

/** Rails 7.1 `SerializerWithFallback` JSON detection: `\A(?:[{\["]|-?\d|true|false|null)`. */
const JSON_START = /^(?:[{["]|-?\d|true|false|null)/;

export const jsonSerializer: Serializer = {
  format: "json",
  detect(bytes) {
    // `{`, `[` or `"` first (every session and most cookies) decides without building a string.
    const first = bytes[0];
    if (first === 0x7b || first === 0x5b || first === 0x22) return true;
    return JSON_START.test(latin1String(bytes.subarray(0, 5)));
  },
  dump(value, options = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_SERIALIZED_BYTES;
    const bytes = utf8Bytes(encodeJson(value, { maxBytes }));
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    return bytes;
  },
  load(bytes) {
    const text = strictUtf8String(bytes);
    // Ruby's JSON parser refuses malformed UTF-8 too.
    if (text === null) throw new PayloadError("payload is not valid UTF-8");
    return decodeJson(text);
  },
};
