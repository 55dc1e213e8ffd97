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
import { PayloadError, UnserializableError } from "../errors.js";
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
let MARKER_ID: string | undefined;
let BIGINT_MARK = "";
let BIGINT_MARKED = /$^/g;
function marker(): string {
  if (MARKER_ID === undefined) {
    MARKER_ID = globalThis.crypto.randomUUID();
    BIGINT_MARK = `\u0000bigint:${MARKER_ID}:`;
    BIGINT_MARKED = new RegExp(`"\\\\u0000bigint:${MARKER_ID}:(-?\\d+)"`, "g");
  }
  return BIGINT_MARK;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return marker() + value.toString();
  if (value instanceof Uint8Array) throw new UnserializableError("a binary string cannot be written as JSON");
  return value;
}

/** `ActiveSupport::JSON.encode(value)`. */
export function encodeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // Only bigints make JSON.stringify throw on session data; redo with exact digits.
    if (!(error instanceof TypeError)) throw error;
    try {
      text = JSON.stringify(value, bigintReplacer)?.replace(BIGINT_MARKED, "$1");
    } catch (cause) {
      if (cause instanceof UnserializableError) throw cause;
      throw new UnserializableError(`value cannot be written as JSON: ${(cause as Error).message}`);
    }
  }
  if (text === undefined) throw new UnserializableError("value cannot be written as JSON");
  // Most sessions hold none of the five: a test is cheaper than a replace that finds nothing.
  return HAS_ESCAPE.test(text) ? text.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]!) : text;
}

/**
 * True when a parsed JSON value holds a number that is an integer beyond 2**53 in magnitude: the
 * only way a JSON integer token can have been rounded. (A float token like 1e300 also answers true;
 * the exact second parse then leaves it a float, as before.) Walking the parsed value is several
 * times cheaper than scanning the text for a 16-digit run, which was 6% of a session read
 * (docs/bench.md). Iterative: nesting depth is bounded only by the cookie size.
 */
function holdsUnsafeInteger(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else if (v !== null && typeof v === "object") {
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
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
  const mark = marker();
  return typeof value === "string" && value.startsWith(mark) ? BigInt(value.slice(mark.length)) : value;
}

/** `ActiveSupport::JSON.decode(text)`; throws `PayloadError`. */
export function decodeJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (!holdsUnsafeInteger(value)) return value;
    // An integer beyond 2**53 was rounded: parse again keeping integer tokens exact.
    return JSON.parse(markBigIntegers(text), reviveBigInt);
  } catch (cause) {
    throw new PayloadError("payload is not valid JSON", { cause });
  }
}

/** Rails 7.1 `SerializerWithFallback` JSON detection: `\A(?:[{\["]|-?\d|true|false|null)`. */
const JSON_START = /^(?:[{["]|-?\d|true|false|null)/;

export const jsonSerializer: Serializer = {
  format: "json",
  detect(bytes) {
    return JSON_START.test(latin1String(bytes.subarray(0, 5)));
  },
  dump(value) {
    return utf8Bytes(encodeJson(value));
  },
  load(bytes) {
    const text = strictUtf8String(bytes);
    // Ruby's JSON parser refuses malformed UTF-8 too.
    if (text === null) throw new PayloadError("payload is not valid UTF-8");
    return decodeJson(text);
  },
};
