/**
 * Typed errors, one class per reason a Rails cookie cannot be read or written.
 *
 * Every error carries a stable string `code` (like `panva/jose`'s `JOSEError.code`), so callers can
 * switch on it without parsing messages. `jar.get()` turns all of them into `null`, the way Rails'
 * cookie jar turns them into `nil`; `jar.decode()` throws them.
 */

export type RailsCookieErrorCode =
  | "bad_format"
  | "bad_signature"
  | "bad_tag"
  | "wrong_purpose"
  | "expired"
  | "unsupported_serializer"
  | "bad_payload"
  | "bad_marshal"
  | "too_large"
  | "cookie_overflow"
  | "unserializable"
  | "bad_credentials"
  | "invalid_authenticity_token"
  | "invalid_option"
  | "bad_session_entry"
  | "store_unavailable";

export class RailsCookieError extends Error {
  /** Stable machine-readable reason. */
  readonly code: RailsCookieErrorCode;

  constructor(code: RailsCookieErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Not shaped like any Rails cookie: wrong separators, bad base64, truncated, wrong lengths. */
export class CookieFormatError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_format", message, options);
  }
}

/** The HMAC of a signed or CBC cookie does not match: wrong secret, wrong digest or tampered bytes. */
export class InvalidSignatureError extends RailsCookieError {
  constructor(message = "signature does not match", options?: { cause?: unknown }) {
    super("bad_signature", message, options);
  }
}

/** AES-GCM authentication failed: wrong secret or salt, or tampered bytes. */
export class DecryptionError extends RailsCookieError {
  constructor(message = "authentication tag does not match", options?: { cause?: unknown }) {
    super("bad_tag", message, options);
  }
}

/** The `_rails` envelope names another purpose (e.g. the cookie was copied from another name). */
export class PurposeMismatchError extends RailsCookieError {
  /** The purpose found in the envelope (`null` when it had none). */
  readonly found: string | null;
  /** The purpose the reader expected. */
  readonly expected: string | null;

  constructor(found: string | null, expected: string | null) {
    super(
      "wrong_purpose",
      `cookie purpose is ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`,
    );
    this.found = found;
    this.expected = expected;
  }
}

/** The `_rails` envelope carries an `exp` in the past. */
export class ExpiredError extends RailsCookieError {
  readonly expiredAt: Date;

  constructor(expiredAt: Date) {
    super("expired", `cookie expired at ${expiredAt.toISOString()}`);
    this.expiredAt = expiredAt;
  }
}

/** The payload is in a serialization this configuration does not read (e.g. Marshal under `:json`). */
export class UnsupportedSerializerError extends RailsCookieError {
  constructor(message: string) {
    super("unsupported_serializer", message);
  }
}

/** The payload authenticated but does not parse in its serialization. */
export class PayloadError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_payload", message, options);
  }
}

/** Marshal bytes that are malformed, or that cross one of the loader's safety limits. */
export class MarshalError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_marshal", message, options);
  }
}

/** Input larger than anything Rails could have written; refused before any work is done. */
export class TooLargeError extends RailsCookieError {
  constructor(message: string) {
    super("too_large", message);
  }
}

/** Like Rails' `ActionDispatch::Cookies::CookieOverflow`: the value would exceed 4096 bytes. */
export class CookieOverflowError extends RailsCookieError {
  readonly size: number;

  /** `size`: the cookie's size, or (with `message`) the least it would be, when writing stopped early. */
  constructor(name: string, size: number, message?: string) {
    super("cookie_overflow", message ?? `${name} cookie overflowed with size ${size} bytes`);
    this.size = size;
  }
}

/** A value that the configured serializer cannot represent (e.g. a function, or binary in JSON). */
export class UnserializableError extends RailsCookieError {
  constructor(message: string) {
    super("unserializable", message);
  }
}

/** A Rails credentials file that does not decrypt or parse. */
export class CredentialsError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_credentials", message, options);
  }
}

/**
 * The app directory holds no `secret_key_base` for the environment at all (as opposed to a source
 * that is there but broken, a plain `CredentialsError`). `looked` lists where Rails would look.
 */
export class SecretNotFoundError extends CredentialsError {
  readonly looked: readonly string[];

  constructor(environment: string, looked: readonly string[]) {
    super(`no secret_key_base for the ${environment} environment (looked at: ${looked.join(", ")})`);
    this.looked = looked;
  }
}

/** A configuration value the library cannot act on. */
export class InvalidOptionError extends RailsCookieError {
  constructor(message: string) {
    super("invalid_option", message);
  }
}

/**
 * Rails' `ActionController::InvalidAuthenticityToken`: a state-changing request without a valid CSRF
 * token of this session. Rails answers 422, and so does the Express shell.
 */
export class InvalidAuthenticityTokenError extends RailsCookieError {
  readonly status = 422;
  readonly statusCode = 422;

  constructor() {
    super("invalid_authenticity_token", "Can't verify CSRF token authenticity.");
  }
}

/**
 * What a server-side store holds under a session's key or row is not a session this store wrote:
 * garbage, truncated compression, another app's cache data, a lying length, a Marshal bomb. The
 * session core starts a fresh session and hands this to `onError`.
 */
export class SessionEntryError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_session_entry", message, options);
  }
}

/** The Redis, Memcached or SQL server behind a session store failed or did not answer in time. */
export class SessionStoreUnavailableError extends RailsCookieError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("store_unavailable", message, options);
  }
}
