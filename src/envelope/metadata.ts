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
import { bytesEqual, indexOfBytes, latin1Bytes, strictDecode64, strictEncode64, utf8Bytes, utf8String } from "../bytes/index.js";

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
 * a `"_rails"` key as one.
 */
export function unwrap(plaintext: Uint8Array, railsVersion: number): Unwrapped {
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
  const { message, exp, pur } = rails as Record<string, unknown>;
  if (typeof message !== "string") throw new CookieFormatError("metadata envelope has no message");
  let expiresAt: Date | null = null;
  if (exp !== null && exp !== undefined) {
    expiresAt = typeof exp === "string" ? new Date(exp) : new Date(NaN);
    if (Number.isNaN(expiresAt.getTime())) throw new CookieFormatError("metadata envelope has an unreadable exp");
  }
  // `pur.to_s == purpose.to_s`: a non-string purpose is compared by its text.
  const purpose = pur === null || pur === undefined ? null : String(pur);
  return { message: strictDecode64(message, "envelope message"), enveloped: true, purpose, expiresAt };
}

/**
 * The cookie jar's purpose and expiry rules (spec §4.3, §7.2):
 * 5.2 reads with no purpose only; 6.0+ first with `cookie.<name>` and then with none, so an
 * envelope naming another cookie is refused while `pur: null` and bare plaintext are accepted.
 * Expiry is enforced against `now` (Rails: valid while now < exp).
 */
export function checkMetadata(
  unwrapped: Unwrapped,
  options: { purpose: string | null; now: Date; railsVersion: number },
): void {
  const found = unwrapped.purpose === "" ? null : unwrapped.purpose;
  const acceptable = found === null || (options.railsVersion >= 6.0 && found === options.purpose);
  if (!acceptable) throw new PurposeMismatchError(found, options.railsVersion >= 6.0 ? options.purpose : null);
  if (unwrapped.expiresAt !== null && !(options.now.getTime() < unwrapped.expiresAt.getTime())) {
    throw new ExpiredError(unwrapped.expiresAt);
  }
}
