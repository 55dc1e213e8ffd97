/**
 * CSRF authenticity tokens, exactly as Rails mints and checks them.
 *
 * Rails source: `actionpack/lib/action_controller/metal/request_forgery_protection.rb`
 * (read at v4.2.11.3, v5.1.7, v5.2.8.1, v6.1.7.10, v7.0.10, v7.1.6). Spec §13 and §2.
 *
 * - The session keeps the *real* token under `"_csrf_token"`: 32 random bytes, base64-encoded.
 * - Forms and `csrf_meta_tags` carry a *masked* token: `pad || (pad XOR raw)`, base64-encoded, where
 *   `raw` is the *global* token `HMAC-SHA256(real, "!real_csrf_token")` (since the CVE-2020-8166
 *   fix, 5.2.4.3 / 6.0.3.1), or the real token itself in older Rails, or a per-form HMAC.
 * - Only the base64 flavour changes between versions (`urlsafe_csrf_tokens`).
 *
 * A Node app sharing a Rails session uses `formAuthenticityToken` to put a token in its own forms
 * that Rails will accept, and `validAuthenticityToken` to check a token a Rails page issued.
 */
import { createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from "node:crypto";
import { InvalidOptionError, PayloadError } from "../errors.js";
import { strictDecode64 as cookieStrictDecode64 } from "../crypto/base64.js";

/** `AUTHENTICITY_TOKEN_LENGTH` in request_forgery_protection.rb. */
export const AUTHENTICITY_TOKEN_LENGTH = 32;

/** `GLOBAL_CSRF_TOKEN_IDENTIFIER` (private constant in request_forgery_protection.rb, 5.2.4.3+). */
const GLOBAL_CSRF_TOKEN_IDENTIFIER = "!real_csrf_token";

/** The session key Rails uses (`session[:_csrf_token]`; session keys are always Strings). */
export const CSRF_SESSION_KEY = "_csrf_token";

/** A Rails session as `session.to_hash` gives it: String keys, a null-prototype object. */
type Session = Record<string, unknown>;

/** The `form_options:` of `form_authenticity_token` (per-form tokens, `per_form_csrf_tokens`). */
export interface FormOptions {
  /** The form's action URL or path; Rails keeps only its path without a trailing "/". */
  action: string;
  /** The form's HTTP method, any case. */
  method: string;
}

export interface FormAuthenticityTokenOptions {
  /**
   * The Rails version that will check the token, e.g. `"6.1"`, `"5.2.8.1"`, `"7.2"`. Default `"6.1"`.
   * A version without a patch level means the last patch of that series.
   */
  railsVersion?: string;
  /**
   * `config.action_controller.urlsafe_csrf_tokens`. Default: what a fresh app of `railsVersion`
   * has, i.e. true from 6.1 on. Ignored before 6.1 (no such setting) and from 7.1 on (always true).
   */
  urlsafeCsrfTokens?: boolean;
  /** Mint a per-form token for this action and method (`per_form_csrf_tokens`, Rails 5.0+). */
  formOptions?: FormOptions;
  /** Source of randomness, for tests. Default `crypto.randomBytes`. */
  randomBytes?: (n: number) => Uint8Array;
}

export interface ValidAuthenticityTokenOptions {
  /**
   * The request's path and method, to accept per-form tokens (Rails compares with
   * `request.path.chomp("/")` and `request.request_method`). Without it per-form tokens are refused.
   */
  formOptions?: FormOptions;
  /**
   * Decode the token as this Rails version would: before 6.1 only strict, padded, standard base64
   * (`Base64.strict_decode64`); from 6.1 either alphabet, padding optional
   * (`Base64.urlsafe_decode64`). Default: the lenient 6.1+ rule.
   */
  railsVersion?: string;
}

/**
 * `form_authenticity_token(form_options:)`: a masked token Rails accepts for this session.
 *
 * Creates `session["_csrf_token"]` first when it is absent, in the format the Rails version writes
 * (`generate_csrf_token`): 44-character padded standard base64 (before 6.1, or urlsafe off);
 * 6.1 with urlsafe on: URL-safe but still padded, 44 characters (its `padding: false` is passed
 * positionally and ignored, spec §2); 7.0+: URL-safe unpadded, 43 characters.
 * The masked token is strict padded base64 (urlsafe off) or URL-safe unpadded (urlsafe on).
 *
 * Throws `PayloadError` when the session already holds a `_csrf_token` that is not base64 (Rails
 * raises `ArgumentError` there), `InvalidOptionError` for per-form tokens on Rails 4.x.
 */
export function formAuthenticityToken(session: Session, options: FormAuthenticityTokenOptions = {}): string {
  const version = parseRailsVersion(options.railsVersion ?? "6.1");
  const urlsafe = urlsafeFor(version, options.urlsafeCsrfTokens);
  const random = options.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));

  let stored = session[CSRF_SESSION_KEY];
  if (stored === undefined || stored === null) {
    // `session[:_csrf_token] ||= generate_csrf_token`
    stored = generateCsrfToken(version, urlsafe, randomOf(random, AUTHENTICITY_TOKEN_LENGTH));
    session[CSRF_SESSION_KEY] = stored;
  }
  const real = typeof stored === "string" ? decodeCsrfToken(stored, version) : null;
  if (real === null) throw new PayloadError('session["_csrf_token"] is not a base64 String');

  let raw: Uint8Array;
  if (options.formOptions) {
    if (compareVersion(version, [5, 0, 0, 0]) < 0) {
      throw new InvalidOptionError("per-form CSRF tokens exist from Rails 5.0 on");
    }
    raw = perFormCsrfToken(real, normalizeActionPath(options.formOptions.action), options.formOptions.method);
  } else if (masksGlobalToken(version)) {
    raw = globalCsrfToken(real);
  } else {
    // Before the CVE-2020-8166 fix Rails masked the real token itself; those versions do not know
    // the global token, so giving them one would be refused.
    raw = real;
  }
  return encodeCsrfToken(maskToken(raw, randomOf(random, AUTHENTICITY_TOKEN_LENGTH)), urlsafe);
}

/**
 * `valid_authenticity_token?(session, token)`: true when Rails would accept `token` for this
 * session. Accepts a masked global, real or (with `formOptions`) per-form token, and the unmasked
 * 32-byte real token (pre-4.2 forms). Never throws: junk, a missing or malformed session token, or a
 * non-String gives false. Comparisons are constant time (`crypto.timingSafeEqual`); all candidates
 * are computed and compared so the time does not depend on which one matched.
 */
export function validAuthenticityToken(
  session: Session,
  token: unknown,
  options: ValidAuthenticityTokenOptions = {},
): boolean {
  if (typeof token !== "string" || token.length === 0) return false;
  // Base64 of 64 bytes is 88 characters; anything much longer is not a token (and not worth decoding).
  if (token.length > 128) return false;
  let version: number[];
  try {
    version = parseRailsVersion(options.railsVersion ?? "6.1");
  } catch {
    return false;
  }
  const stored = session[CSRF_SESSION_KEY];
  if (typeof stored !== "string") return false;
  const real = decodeCsrfToken(stored, version);
  if (real === null) return false;

  const masked = decodeCsrfToken(token, version);
  if (masked === null) return false;

  if (masked.length === AUTHENTICITY_TOKEN_LENGTH) {
    return safeEqual(masked, real);
  }
  if (masked.length === AUTHENTICITY_TOKEN_LENGTH * 2) {
    const csrfToken = unmaskToken(masked);
    // Rails before the CVE-2020-8166 fix knows neither the global token nor (before 5.0) per-form ones.
    let ok = masksGlobalToken(version) && safeEqual(csrfToken, globalCsrfToken(real));
    ok = safeEqual(csrfToken, real) || ok;
    if (options.formOptions && compareVersion(version, [5, 0, 0, 0]) >= 0) {
      const perForm = perFormCsrfToken(
        real,
        normalizeActionPath(options.formOptions.action),
        options.formOptions.method,
      );
      ok = safeEqual(csrfToken, perForm) || ok;
    }
    return ok;
  }
  return false; // "Token is malformed."
}

/** `global_csrf_token`: HMAC-SHA256 keyed by the real token over `"!real_csrf_token"`. */
export function globalCsrfToken(realToken: Uint8Array): Uint8Array {
  return csrfTokenHmac(realToken, GLOBAL_CSRF_TOKEN_IDENTIFIER);
}

/** `per_form_csrf_token`: HMAC-SHA256 over `"<action path>#<method, lower case>"`. */
export function perFormCsrfToken(realToken: Uint8Array, actionPath: string, method: string): Uint8Array {
  return csrfTokenHmac(realToken, `${actionPath}#${method.toLowerCase()}`);
}

/** `mask_token` without the encoding: `pad || (pad XOR raw)`. */
export function maskToken(rawToken: Uint8Array, oneTimePad: Uint8Array): Uint8Array {
  if (rawToken.length !== AUTHENTICITY_TOKEN_LENGTH || oneTimePad.length !== AUTHENTICITY_TOKEN_LENGTH) {
    throw new InvalidOptionError(`CSRF token and pad must be ${AUTHENTICITY_TOKEN_LENGTH} bytes`);
  }
  const out = new Uint8Array(AUTHENTICITY_TOKEN_LENGTH * 2);
  out.set(oneTimePad, 0);
  for (let i = 0; i < AUTHENTICITY_TOKEN_LENGTH; i++) out[AUTHENTICITY_TOKEN_LENGTH + i] = oneTimePad[i]! ^ rawToken[i]!;
  return out;
}

/** `unmask_token`: XOR of the two halves of a 64-byte masked token. */
export function unmaskToken(maskedToken: Uint8Array): Uint8Array {
  const out = new Uint8Array(AUTHENTICITY_TOKEN_LENGTH);
  for (let i = 0; i < AUTHENTICITY_TOKEN_LENGTH; i++) {
    out[i] = maskedToken[i]! ^ maskedToken[AUTHENTICITY_TOKEN_LENGTH + i]!;
  }
  return out;
}

/**
 * `normalize_action_path`: `URI.parse(action).path.chomp("/")`. Keeps the path of an absolute or
 * relative URL, drops query and fragment, and removes one trailing slash.
 */
export function normalizeActionPath(action: string): string {
  let path = action;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  if (path.startsWith("//")) {
    const end = path.slice(2).search(/[/?#]/);
    path = end === -1 ? "" : path.slice(2 + end);
  }
  const cut = path.search(/[?#]/);
  if (cut !== -1) path = path.slice(0, cut);
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

// ---------------------------------------------------------------------------------------------
// Base64 exactly as Ruby's base64.rb / pack.c decode it. Node's Buffer.from(_, "base64") is far
// more lenient (ignores junk, accepts non-zero trailing bits), which would make a one-character
// change at the end of a token still validate where Rails refuses it.

/**
 * Ruby `Base64.strict_decode64` (`unpack1("m0")`), returning null where Ruby raises ArgumentError.
 * The rule lives in one place, `src/crypto/base64.ts`.
 */
export function strictDecode64(input: string): Uint8Array | null {
  try {
    return cookieStrictDecode64(input, "token");
  } catch {
    return null;
  }
}

/**
 * Ruby `Base64.urlsafe_decode64`: pads an unpadded input to a multiple of 4, maps `-_` to `+/`,
 * then `strict_decode64`. So it accepts either alphabet (even mixed), with or without padding.
 */
export function urlsafeDecode64(input: string): Uint8Array | null {
  let s = input;
  if (!s.endsWith("=") && s.length % 4 !== 0) s = s.padEnd((s.length + 3) & ~3, "=");
  return strictDecode64(s.replace(/-/g, "+").replace(/_/g, "/"));
}

/** `Base64.strict_encode64` / `Base64.urlsafe_encode64(_, padding: false)`. */
function encodeCsrfToken(bytes: Uint8Array, urlsafe: boolean): string {
  const b64 = Buffer.from(bytes).toString("base64");
  return urlsafe ? b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : b64;
}

/**
 * `decode_csrf_token`: 6.1 and 7.0 try strict then URL-safe (urlsafe off) or URL-safe only (on),
 * 7.1+ URL-safe only; URL-safe decoding accepts everything strict does, so from 6.1 on this is
 * `urlsafe_decode64`. Before 6.1: `Base64.strict_decode64` only.
 */
function decodeCsrfToken(encoded: string, version: number[]): Uint8Array | null {
  return compareVersion(version, [6, 1, 0, 0]) >= 0 ? urlsafeDecode64(encoded) : strictDecode64(encoded);
}

/** `generate_csrf_token` (the real token kept in the session). */
function generateCsrfToken(version: number[], urlsafe: boolean, bytes: Uint8Array): string {
  if (!urlsafe) return Buffer.from(bytes).toString("base64"); // SecureRandom.base64(32)
  const b64url = Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  // 6.1: `SecureRandom.urlsafe_base64(32, padding: false)` passes the Hash as the positional
  // `padding` argument, which is truthy, so the token keeps its "=" (spec §2, and the 6.1
  // session_csrf vectors). 7.0 fixed the call: `SecureRandom.urlsafe_base64(32)` has no padding.
  return compareVersion(version, [7, 0, 0, 0]) < 0 ? b64url : b64url.replace(/=+$/, "");
}

function csrfTokenHmac(realToken: Uint8Array, identifier: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", realToken).update(identifier, "utf8").digest());
}

function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  // `fixed_length_secure_compare` raises on different lengths; lengths are not secret.
  return a.length === b.length && timingSafeEqual(a, b);
}

function randomOf(random: (n: number) => Uint8Array, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new InvalidOptionError(`randomBytes(${n}) must return ${n} bytes`);
  }
  return bytes;
}

function urlsafeFor(version: number[], configured: boolean | undefined): boolean {
  if (compareVersion(version, [6, 1, 0, 0]) < 0) return false; // no such setting before 6.1
  if (compareVersion(version, [7, 1, 0, 0]) >= 0) return true; // 7.1 removed the setting: always URL-safe
  return configured ?? true; // a fresh 6.1/7.0 app (load_defaults of its own version) has it on
}

/** 5.2.4.3 and 6.0.3.1 (CVE-2020-8166) started masking the global token instead of the real one. */
function masksGlobalToken(version: number[]): boolean {
  if (compareVersion(version, [6, 0, 0, 0]) >= 0) return compareVersion(version, [6, 0, 3, 1]) >= 0;
  return compareVersion(version, [5, 2, 4, 3]) >= 0;
}

/** "6.1" → [6, 1, ∞, ∞] (the last patch of the series); "5.2.4.3" → [5, 2, 4, 3]. */
function parseRailsVersion(version: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[.-]?[A-Za-z].*)?$/.exec(version.trim());
  if (!m) throw new InvalidOptionError(`not a Rails version: ${JSON.stringify(version)}`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? Infinity : Number(m[3]);
  const tiny = m[4] === undefined ? (m[3] === undefined ? Infinity : 0) : Number(m[4]);
  if (major < 4 || (major === 4 && minor < 2)) {
    throw new InvalidOptionError(`Rails ${version} is older than the 4.2 this library supports`);
  }
  return [major, minor, patch, tiny];
}

function compareVersion(a: number[], b: number[]): number {
  for (let i = 0; i < 4; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
