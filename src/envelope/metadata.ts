/**
 * The `_rails` metadata envelope: purpose and expiry around the serialized bytes
 * (activesupport/lib/active_support/messages/metadata.rb; spec §4).
 *
 * Cookies in every version 5.2–8.x use the same "legacy" form, with the message base64-encoded
 * inside JSON and both `exp` and `pur` always present:
 *
 *     {"_rails":{"message":"<b64(bytes)>","exp":"2026-01-01T00:00:00.000Z"|null,"pur":"cookie.<name>"|null}}
 *
 * Key order matters: a 7.1+ reader only treats plaintext as an envelope when it starts with the
 * exact bytes `{"_rails":{"message":`.
 */
import { CookieFormatError, ExpiredError, PurposeMismatchError } from "../errors.js";
import { bytesEqual, indexOfBytes, latin1Bytes, latin1String, strictDecode64, strictEncode64, utf8Bytes, utf8String } from "../bytes/index.js";

const PREFIX_71 = latin1Bytes('{"_rails":{"message":');
const RAILS_KEY = latin1Bytes('"_rails"');

export interface Metadata {
  /** The `pur` field, or null when absent/null. */
  purpose: string | null;
  /** The `exp` field, or null for a cookie that does not expire server-side. */
  expiresAt: Date | null;
}

/** `Time#iso8601(3)` in UTC, the `exp` format of every writer 5.2–8.x. */
export function formatExpiry(date: Date): string {
  return date.toISOString();
}

/** Wraps serialized bytes in the envelope, byte for byte as Rails writes it. */
export function wrap(message: Uint8Array, metadata: Metadata): Uint8Array {
  const exp = metadata.expiresAt === null ? "null" : JSON.stringify(formatExpiry(metadata.expiresAt));
  const pur = metadata.purpose === null ? "null" : JSON.stringify(metadata.purpose);
  return utf8Bytes(`{"_rails":{"message":"${strictEncode64(message)}","exp":${exp},"pur":${pur}}}`);
}

export interface Unwrapped extends Metadata {
  /** The serialized bytes inside the envelope, or the plaintext itself when there was none. */
  message: Uint8Array;
  /** Whether the plaintext carried an envelope at all. */
  enveloped: boolean;
}

/**
 * Takes the envelope off, without judging purpose or expiry (see `checkMetadata`).
 *
 * `railsVersion` ≥ 7.1 follows `deserialize_with_metadata`: only the exact `{"_rails":{"message":`
 * prefix is an envelope. Earlier versions (`Metadata.extract_metadata`) treat any JSON object with
 * a `"_rails"` key as one. The envelope as Rails lays it out is read by a scan (`scanEnvelope`),
 * any other text by `JSON.parse` (`unwrapParsed`); test/hot-paths.test.ts holds them equal.
 */
export function unwrap(plaintext: Uint8Array, railsVersion: number): Unwrapped {
  const laidOut = scanEnvelope(plaintext);
  if (laidOut !== null) {
    const message = laidOutMessage(laidOut.message);
    if (message !== null) {
      return { message, enveloped: true, purpose: purposeOf(laidOut.pur), expiresAt: expiryOf(laidOut.exp, railsVersion) };
    }
  }
  return unwrapParsed(plaintext, railsVersion);
}

/** `unwrap` through `JSON.parse`, for any plaintext. @internal (exported for its test) */
export function unwrapParsed(plaintext: Uint8Array, railsVersion: number): Unwrapped {
  const strict = railsVersion >= 7.1;
  const looksEnveloped = strict
    ? bytesEqual(plaintext.subarray(0, PREFIX_71.length), PREFIX_71)
    : plaintext[0] === 0x7b && indexOfBytes(plaintext, RAILS_KEY) !== -1;
  if (!looksEnveloped) return { message: plaintext, enveloped: false, purpose: null, expiresAt: null };

  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8String(plaintext));
  } catch (cause) {
    if (strict) throw new CookieFormatError("metadata envelope is not JSON", { cause });
    return { message: plaintext, enveloped: false, purpose: null, expiresAt: null };
  }
  const rails = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)["_rails"]
    : undefined;
  if (rails === undefined) {
    if (strict) throw new CookieFormatError("metadata envelope has no _rails");
    return { message: plaintext, enveloped: false, purpose: null, expiresAt: null };
  }
  if (typeof rails !== "object" || rails === null) throw new CookieFormatError("metadata envelope is malformed");
  if (Array.isArray(rails)) throw new CookieFormatError("metadata envelope is malformed");
  const { message, exp, pur } = rails as Record<string, unknown>;
  if (typeof message !== "string") throw new CookieFormatError("metadata envelope has no message");
  return { message: strictDecode64(message, "envelope message"), enveloped: true, purpose: purposeOf(pur), expiresAt: expiryOf(exp, railsVersion) };
}

/**
 * The envelope exactly as `wrap` lays it out, as every Rails writer 5.2–8.x does
 * (`Messages::Metadata#wrap`: `{"_rails":{"message":…,"exp":…,"pur":…}}`, each field a plain JSON
 * string or `null`, nothing after the last brace): its three fields, read by a scan of the bytes
 * instead of `JSON.parse` of the whole plaintext, which was the largest part of `unwrap` (bench/,
 * docs/bench.md). For such bytes `JSON.parse` gives exactly these three strings (no escapes, no
 * duplicate keys, no other members), so the result is the same in every Rails version's reading.
 * Anything else (escapes, whitespace, other key order, non-ASCII, control characters) is null and
 * takes the `JSON.parse` path, which decides as before.
 */
function scanEnvelope(bytes: Uint8Array): { message: string; exp: string | null; pur: string | null } | null {
  let i = PREFIX_71.length;
  if (bytes.length < i + 2 || !startsWith(bytes, PREFIX_71, 0) || bytes[i] !== QUOTE) return null;
  const messageEnd = bytes.indexOf(QUOTE, i + 1);
  if (messageEnd === -1) return null;
  const message = latin1String(bytes.subarray(i + 1, messageEnd));
  i = messageEnd + 1;
  if (!startsWith(bytes, EXP_KEY, i)) return null;
  const exp = plainJsonStringOrNull(bytes, i + EXP_KEY.length);
  if (exp === undefined) return null;
  i = scanEnd;
  if (!startsWith(bytes, PUR_KEY, i)) return null;
  const pur = plainJsonStringOrNull(bytes, i + PUR_KEY.length);
  if (pur === undefined) return null;
  i = scanEnd;
  if (i + 2 !== bytes.length || bytes[i] !== CLOSE || bytes[i + 1] !== CLOSE) return null;
  return { message, exp, pur };
}

const QUOTE = 0x22;
const CLOSE = 0x7d;
const EXP_KEY = latin1Bytes(',"exp":');
const PUR_KEY = latin1Bytes(',"pur":');
const NULL = latin1Bytes("null");
/** Where the last `plainJsonStringOrNull` stopped. */
let scanEnd = 0;

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

/**
 * At `at`: `null`, or a JSON string of printable ASCII without `"` or `\` (so its text is its
 * bytes); undefined for anything else. Sets `scanEnd` past it.
 */
function plainJsonStringOrNull(bytes: Uint8Array, at: number): string | null | undefined {
  if (startsWith(bytes, NULL, at)) {
    scanEnd = at + NULL.length;
    return null;
  }
  if (bytes[at] !== QUOTE) return undefined;
  let k = at + 1;
  for (; k < bytes.length; k++) {
    const b = bytes[k]!;
    if (b === QUOTE) break;
    if (b < 0x20 || b > 0x7e || b === 0x5c) return undefined;
  }
  if (k === bytes.length) return undefined;
  scanEnd = k + 1;
  return latin1String(bytes.subarray(at + 1, k));
}

/**
 * The message of a laid-out envelope, or null when it is not strict base64: then the `JSON.parse`
 * path reads it, as JSON would (`\u0041` is `A` there), and gives the error if there is one.
 */
function laidOutMessage(text: string): Uint8Array | null {
  try {
    return strictDecode64(text, "envelope message");
  } catch {
    return null;
  }
}

/**
 * `pur.to_s == purpose.to_s` (metadata.rb `match?`, 7.1+ `extract_from_metadata_envelope`): only a
 * String can equal a purpose; nil and "" mean none. Any other JSON value gets a text that no
 * purpose equals (an Array `["cookie.c"]` is `'["cookie.c"]'` to Ruby), so it is refused as a
 * mismatch, never read as the String inside it.
 */
function purposeOf(pur: unknown): string | null {
  if (pur === null || pur === undefined) return null;
  if (typeof pur === "string") return pur;
  // Shown in the error, never compared as data: a short description (the value may be nested
  // thousands deep), in a form no `cookie.<name>` purpose can take.
  if (Array.isArray(pur)) return "[…] (an Array)";
  return typeof pur === "object" ? "{…} (a Hash)" : String(pur);
}

/**
 * The `exp` field as each Rails reads it: nil never expires; a String goes through `Time.iso8601`
 * (5.2 `fresh?`, 6.0–7.0 `parse_expires_at`, 7.1+ `parse_expiry`), which raises on anything but
 * the xmlschema form. 6.0+ compares any other value with `Time.now.utc` as it is, through
 * ActiveSupport's `Time#compare_with_coercion` (core_ext/time/calculations.rb): `to_datetime <=>
 * other`, so a number is an astronomical Julian Day (checked with Rails 6.1: `exp: 4102444800` is
 * read, as a day some 11 million years ahead), and true, an Array or a Hash raise. `false` raises
 * in ≤ 7.0 and is skipped by 7.1+ (`if hash["exp"] && …`). What Rails raises on, we refuse.
 */
function expiryOf(exp: unknown, railsVersion: number): Date | null {
  if (exp === null || exp === undefined) return null;
  if (exp === false && railsVersion >= 7.1) return null;
  if ((typeof exp === "number" || typeof exp === "bigint") && railsVersion >= 6.0) return julianDayToDate(Number(exp));
  if (typeof exp !== "string") throw new CookieFormatError("metadata envelope has an exp that is not a time");
  const date = parseIso8601(exp);
  if (date === null) throw new CookieFormatError("metadata envelope has an unreadable exp (Time.iso8601 refuses it)");
  return date;
}

/** Astronomical Julian Day of the Unix epoch. */
const UNIX_EPOCH_AJD = 2440587.5;
/** The largest time a Date holds (ECMA-262 §21.4.1.1), in ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

/**
 * A Julian Day number as the instant it names. Beyond what a Date holds: a day after it never comes
 * (no expiry), one before it is long past (the earliest Date).
 */
function julianDayToDate(ajd: number): Date | null {
  const ms = (ajd - UNIX_EPOCH_AJD) * 86_400_000;
  if (ms > MAX_DATE_MS) return null;
  return new Date(Math.max(ms, -MAX_DATE_MS));
}

// Ruby's time.rb `Time.xmlschema` (alias `iso8601`), Ruby 3.x: `\s` and `\d` are ASCII there.
const XMLSCHEMA = /^[ \t\n\v\f\r]*(-?[0-9]+)-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?[ \t\n\v\f\r]*$/i;

/**
 * `Time.iso8601(text)`, or null where Ruby raises: the pattern, then `Time.utc`/`Time.local`'s range
 * checks (month 1–12, day 1–31, hour 0–24 with 24 only as 24:00:00, minute 0–59, second 0–60, a
 * zone offset under 24 h); a day past the month's end and second 60 roll over, as in Ruby. A time
 * without a zone is local time, as `Time.local` makes it. Times beyond what a Date holds are null.
 */
export function parseIso8601(text: string): Date | null {
  // What every Rails writes (`formatExpiry`) goes through `Date.parse`: ECMA-262's date-time format
  // is this very form, read as Ruby reads it (a day past the month's end rolls over in both), and
  // what the two read differently (second 60) is NaN there and falls through to Ruby's rules.
  if (text.length === 24 && RAILS_EXPIRY.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  return parseXmlschema(text);
}

const RAILS_EXPIRY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** `parseIso8601` by Ruby's rules alone, for any text. @internal (exported for its test) */
export function parseXmlschema(text: string): Date | null {
  const m = XMLSCHEMA.exec(text);
  if (!m) return null;
  const [year, mon, day, hour, min, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || min > 59 || sec > 60) return null;
  if (hour > 24 || (hour === 24 && (min !== 0 || sec !== 0))) return null;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  let epoch: number;
  if (m[8] === undefined) {
    epoch = new Date(year, mon - 1, day, hour, min, sec, ms).getTime();
    if (year >= 0 && year < 100) epoch = new Date(new Date(epoch).setFullYear(year)).getTime();
  } else {
    let offset = 0;
    if (m[8].toUpperCase() !== "Z") {
      const digits = m[8].slice(1).replace(":", "");
      offset = (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2) || "0") * 60) * (m[8][0] === "-" ? -1 : 1);
      if (Math.abs(offset) >= 86_400) return null; // "utc_offset out of range"
    }
    const utc = new Date(0);
    utc.setUTCFullYear(year, mon - 1, day);
    utc.setUTCHours(hour, min, sec, ms);
    epoch = utc.getTime() - offset * 1000;
  }
  return Number.isNaN(epoch) ? null : new Date(epoch);
}

/**
 * The cookie jar's purpose and expiry rules (spec §4.3, §7.2):
 * 5.2 reads with no purpose only; 6.0+ first with `cookie.<name>` and then with none, so an
 * envelope naming another cookie is refused while `pur: null` and bare plaintext are accepted.
 * Expiry is enforced against `now` (Rails: valid while now < exp).
 */
export function checkMetadata(
  unwrapped: Metadata,
  options: { purpose: string | null; now: Date; railsVersion: number },
): void {
  const found = unwrapped.purpose === "" ? null : unwrapped.purpose;
  const acceptable = found === null || (options.railsVersion >= 6.0 && found === options.purpose);
  if (!acceptable) throw new PurposeMismatchError(found, options.railsVersion >= 6.0 ? options.purpose : null);
  if (unwrapped.expiresAt !== null && !(options.now.getTime() < unwrapped.expiresAt.getTime())) {
    throw new ExpiredError(unwrapped.expiresAt);
  }
}
