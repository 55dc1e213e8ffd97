/**
 * Cookie auto-detection: given only a cookie and a secret, find the Rails configuration that wrote
 * it, decode it with that configuration, and say in words what it is, or give the most specific
 * true reason why it cannot be read.
 *
 * Nothing here reads a cookie by itself. Detection only chooses `CookieJarOptions`; the value always
 * comes from `new CookieJar(options).encrypted|signed.decode(name, raw)`, the same path an app uses.
 *
 *   1. Shape (`cookieShape`): which of Rails' three wire formats the string has
 *      (activesupport/lib/active_support/message_encryptor.rb, message_verifier.rb; spec §5):
 *        AES-GCM   b64(ciphertext)--b64(iv: 12 bytes)--b64(tag: 16 bytes)
 *        AES-CBC   b64(b64(ciphertext)--b64(iv: 16 bytes))--hex(HMAC)
 *        signed    b64(payload)--hex(HMAC)
 *      The HMAC digest is told by the hex length (40 SHA1, 64 SHA256, …).
 *   2. Candidates: the configurations that write that shape, newest Rails first: cipher,
 *      PBKDF2 PRF (`key_generator_hash_digest_class`, SHA256 from `load_defaults "7.0"`), HMAC digest,
 *      Rails 3 `secret_token`. Options given explicitly are never varied. Each candidate's schemes
 *      are built with one shared key-generator cache, so each PBKDF2 key is derived once per call.
 *   3. The first scheme that authenticates fixes the keys; its plaintext tells the envelope
 *      (purpose → cookie name, expiry; activesupport/lib/active_support/messages/metadata.rb) and the
 *      serialization (Rails 7.1 `detect_format`), which fix the rest of the options.
 *   4. A `CookieJar` with those options decodes; whatever it refuses (purpose, expiry, serializer)
 *      is the answer of `explainCookie`.
 */
import { CookieJar, MAX_INPUT_LENGTH, type DecodedCookie } from "./jar.js";
import { resolveConfig, type CookieJarOptions, type ResolvedConfig } from "./config.js";
import { encryptedSchemes, keyGeneratorCache, signedSchemes } from "./crypto/schemes.js";
import type { Scheme } from "./schemes.js";
import { unwrap } from "./envelope/metadata.js";
import { detectFormat, type SerializerFormat } from "./serializers/index.js";
import { unescapeCookieValue } from "./cookie/escape.js";
import { strictDecode64 } from "./crypto/base64.js";
import type { MessageDigest } from "./crypto/index.js";
import {
  CookieFormatError,
  DecryptionError,
  ExpiredError,
  InvalidOptionError,
  InvalidSignatureError,
  PurposeMismatchError,
  RailsCookieError,
  TooLargeError,
  UnsupportedSerializerError,
  type RailsCookieErrorCode,
} from "./errors.js";

export type CookieKind = "session" | "encrypted" | "signed";

/** What `detectCookie` may be told. Every `CookieJarOptions` given is used as it is, never guessed. */
export interface DetectOptions extends CookieJarOptions {
  /** The cookie's name. Default: read from the envelope's purpose (`cookie.<name>`), else irrelevant. */
  name?: string;
  /** Default: from the shape (encrypted or signed), `session` when the name ends in `_session`. */
  kind?: CookieKind;
}

export interface DetectedCookie {
  decoded: DecodedCookie;
  /** The configuration that matched: a `CookieJar` built from it reads (and writes) this cookie. */
  options: CookieJarOptions;
  kind: CookieKind;
  /** The name used for the purpose check (given, or read from the envelope). */
  name: string;
  /** e.g. "Rails 7.0+ defaults: AES-256-GCM, PBKDF2-SHA256, purpose cookie._app_session, expires never, JSON". */
  description: string;
}

export interface CookieExplanation {
  ok: false;
  code: RailsCookieErrorCode;
  /** The most specific true reason, in a sentence or two. */
  reason: string;
  /** Every configuration tried, in order. */
  tried: string[];
  /** What could be read before the cookie was refused. */
  found?: {
    shape?: string;
    protection?: string;
    purpose?: string;
    expiredAt?: Date;
    serializer?: SerializerFormat | "unknown";
  };
}

export type ExplainResult = ({ ok: true } & DetectedCookie) | CookieExplanation;

// ───────────────────────────── 1. shape ─────────────────────────────

const HEX_DIGESTS: Record<number, MessageDigest> = { 32: "MD5", 40: "SHA1", 64: "SHA256", 96: "SHA384", 128: "SHA512" };
const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type CookieShape =
  | { shape: "gcm"; summary: string }
  | { shape: "cbc"; digest: MessageDigest; summary: string }
  | { shape: "signed"; digest: MessageDigest; summary: string }
  | { shape: "unknown"; summary: string };

function tryB64(text: string): Buffer | null {
  try {
    return strictDecode64(text);
  } catch {
    return null;
  }
}

/**
 * Which Rails wire format an (unescaped) cookie value has, checked as strictly as Rails parses it,
 * with a sentence for people. Never decrypts or verifies anything.
 */
export function cookieShape(value: string): CookieShape {
  if (value.length === 0) return { shape: "unknown", summary: "the cookie is empty" };
  const parts = value.split("--");
  if (parts.length === 3) {
    const [ct, iv, tag] = parts.map(tryB64);
    const bad = [ct === null && "ciphertext", iv === null && "iv", tag === null && "auth tag"].filter(Boolean);
    if (bad.length) {
      return { shape: "unknown", summary: `it has three --separated parts like an AES-GCM cookie (ciphertext--iv--tag), but the ${bad.join(" and ")} ${bad.length > 1 ? "are" : "is"} not strict base64` };
    }
    if (iv!.length !== 12 || tag!.length !== 16) {
      return { shape: "unknown", summary: `it has three --separated base64 parts like an AES-GCM cookie, but the iv is ${iv!.length} bytes and the tag ${tag!.length} (Rails writes 12 and 16)` };
    }
    return { shape: "gcm", summary: "AES-GCM encrypted (ciphertext--iv--tag)" };
  }
  const signed = /^(.+)--([0-9a-f]+)$/.exec(value);
  if (parts.length === 2 || signed) {
    const data = signed?.[1] ?? parts[0]!;
    const hex = signed?.[2] ?? parts[1]!;
    const digest = HEX_DIGESTS[hex.length];
    if (!signed || !digest) {
      return { shape: "unknown", summary: `it looks like data--digest (a signed or AES-CBC cookie), but the part after -- is not a lower-case hex HMAC of a known length (40 SHA1, 64 SHA256, 96 SHA384, 128 SHA512, 32 MD5): ${JSON.stringify(hex.slice(0, 12))}${hex.length > 12 ? "…" : ""} (${hex.length} characters)` };
    }
    const payload = tryB64(data);
    if (payload === null) return { shape: "unknown", summary: `it ends in an HMAC-${digest} like a signed cookie, but the data before -- is not strict base64` };
    const inner = payload.toString("latin1").split("--");
    if (inner.length === 2 && STRICT_B64.test(inner[0]!) && STRICT_B64.test(inner[1]!) && tryB64(inner[1]!)?.length === 16) {
      return { shape: "cbc", digest, summary: `AES-256-CBC encrypted and signed with HMAC-${digest} (base64(ciphertext--iv)--hmac)` };
    }
    return { shape: "signed", digest, summary: `signed with HMAC-${digest} (base64(payload)--hmac)` };
  }
  return { shape: "unknown", summary: unknownShape(value, parts.length) };
}

/** Names what a non-Rails string resembles, so the reader knows where to look next. */
function unknownShape(value: string, parts: number): string {
  const rails = "Rails cookies are base64--base64--base64 (AES-GCM), base64--hex (signed or AES-CBC)";
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value) && value.startsWith("eyJ")) {
    return `it looks like a JWT (header.payload.signature), not a Rails cookie. ${rails}`;
  }
  if (/^s:[^.]+\.[A-Za-z0-9+/=_-]+$/.test(value)) return `it looks like an express-session signed id (s:id.signature), not a Rails cookie. ${rails}`;
  if (/^[0-9a-f]{16,128}$/i.test(value) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    return `it looks like a bare session id: the app keeps sessions server-side (cache_store, active_record_store, redis), so the cookie holds no data to decode. ${rails}`;
  }
  if (/[;=]\s*\S/.test(value) && /^[^=;\s]+=/.test(value)) {
    return `it looks like name=value or a whole Cookie header; pass the value only (the CLI accepts headers with --name). ${rails}`;
  }
  if (parts > 3) return `it has ${parts} --separated parts; ${rails}`;
  if (value.length >= 16 && (tryB64(value) !== null || /^[A-Za-z0-9_-]+={0,2}$/.test(value))) {
    return `it is base64 without any -- separator, so it carries no signature or tag: not a cookie Rails' signed or encrypted jars write (truncated? a third-party cookie?). ${rails}`;
  }
  return `it contains no -- separator. ${rails}`;
}

// ───────────────────────────── 2. candidates ─────────────────────────────

interface Candidate {
  /** Preset-level options (loadDefaults and settings); the user's explicit options win. */
  options: CookieJarOptions;
}

/** Option keys that a person can set; anything given explicitly is never varied. */
const SETTINGS = [
  "loadDefaults",
  "railsVersion",
  "cookiesSerializer",
  "useAuthenticatedCookieEncryption",
  "useCookiesWithMetadata",
  "keyGeneratorHashDigestClass",
  "authenticatedEncryptedCookieSalt",
  "encryptedCookieSalt",
  "encryptedSignedCookieSalt",
  "signedCookieSalt",
  "signedCookieDigest",
  "cookiesDigest",
  "encryptedCookieCipher",
  "cookiesRotations",
] as const satisfies readonly (keyof CookieJarOptions)[];

function explicitSettings(options: DetectOptions): CookieJarOptions {
  const out: Record<string, unknown> = {};
  for (const key of SETTINGS) if (options[key] !== undefined) out[key] = options[key];
  return out as CookieJarOptions;
}

/** The configurations that write `shape`, most recent and most common first. */
function candidatesFor(shape: CookieShape, kind: CookieKind | undefined, hasToken: boolean, hasKeyBase: boolean): Candidate[] {
  const list: Candidate[] = [];
  const encrypted = kind !== "signed";
  if (shape.shape === "gcm" && encrypted && hasKeyBase) {
    for (const cipher of ["aes-256-gcm", "aes-128-gcm"] as const) {
      const c = cipher === "aes-128-gcm" ? { encryptedCookieCipher: cipher } : {};
      // PBKDF2-SHA256 from `load_defaults "7.0"`, SHA1 before (spec §1.2).
      list.push({ options: { loadDefaults: "7.0", ...c } });
      list.push({ options: { loadDefaults: "6.1", ...c } });
    }
  }
  if (shape.shape === "cbc" && encrypted && hasKeyBase) {
    const d = shape.digest;
    // Before 5.2 the CBC primary signs with cookies_digest; from 5.2 always SHA1 (spec §5.2).
    const digest = d !== "SHA1" ? { cookiesDigest: d } : {};
    list.push({ options: { loadDefaults: "5.0", ...digest } });
    list.push({ options: { loadDefaults: "7.0", useAuthenticatedCookieEncryption: false, ...digest } });
  }
  if (shape.shape === "signed" || shape.shape === "cbc") {
    const d = shape.digest;
    const signedJar = kind === "signed" || kind === undefined || (kind === "session" && !hasKeyBase);
    if (signedJar && hasKeyBase && shape.shape === "signed") {
      const digest = d !== "SHA1" ? { signedCookieDigest: d } : {};
      list.push({ options: { loadDefaults: "7.0", ...digest } });
      list.push({ options: { loadDefaults: "6.1", ...digest } });
    }
    if (hasToken) {
      // Rails 3 secret_token cookies, read by 4.2–5.2 (spec §5.4); the encrypted jar reads them too.
      list.push({ options: { loadDefaults: "5.2", useAuthenticatedCookieEncryption: false, signedCookieDigest: d, cookiesDigest: d } });
    }
  }
  return list;
}

/** Whether a scheme could open a cookie of this shape at all (so `tried` lists only real attempts). */
function fits(scheme: Scheme, shape: CookieShape): boolean {
  switch (shape.shape) {
    case "gcm":
      return scheme.protection.endsWith("-gcm");
    case "cbc":
      return scheme.protection === `aes-256-cbc+hmac-${shape.digest.toLowerCase()}`;
    case "signed":
      return scheme.protection === `hmac-${shape.digest.toLowerCase()}`;
    default:
      return false;
  }
}

// ───────────────────────────── 3. probing ─────────────────────────────

const PROTECTION_NAMES: Record<string, string> = { "aes-256-gcm": "AES-256-GCM", "aes-128-gcm": "AES-128-GCM" };
const protectionName = (p: string) => PROTECTION_NAMES[p] ?? p.replace(/^aes-256-cbc\+hmac-(.*)$/, (_m, d: string) => `AES-256-CBC + HMAC-${d.toUpperCase()}`).replace(/^hmac-(.*)$/, (_m, d: string) => `HMAC-${d.toUpperCase()} signed`);
const kdfName = (s: Scheme) => (s.keyDerivation === null ? (s.source === "secret_token" ? "raw secret_token" : "raw key") : s.keyDerivation.toUpperCase());

function schemeLabel(s: Scheme, config: ResolvedConfig): string {
  const salts =
    config.authenticatedEncryptedCookieSalt === "authenticated encrypted cookie" &&
    config.encryptedCookieSalt === "encrypted cookie" &&
    config.encryptedSignedCookieSalt === "signed encrypted cookie" &&
    config.signedCookieSalt === "signed cookie"
      ? "default salts"
      : "custom salts";
  const src = s.source === "primary" ? "" : s.source === "rotation" ? ` (rotation ${s.rotationIndex})` : s.source === "fallback" ? " (built-in fallback)" : "";
  return `${protectionName(s.protection)}, ${kdfName(s)}${s.keyDerivation === null ? "" : `, ${salts}`}${src}`;
}

interface Opened {
  candidate: Candidate;
  merged: CookieJarOptions;
  config: ResolvedConfig;
  codec: "encrypted" | "signed";
  scheme: Scheme;
  plaintext: Uint8Array;
}

interface Probe {
  shape: CookieShape;
  /** Labels of the schemes tried, in order. */
  tried: string[];
  /** Labels of schemes the configuration has but that cannot read this shape. */
  skipped: string[];
  opened?: Opened;
  /** Errors from opening, in order (format before authentication). */
  errors: RailsCookieError[];
  /** Options that did not resolve (e.g. railsVersion older than a candidate's loadDefaults). */
  configErrors: RailsCookieError[];
}

/** True when the user fixed the configuration (`loadDefaults`): then nothing else is guessed. */
const isConfigured = (options: DetectOptions) => options.loadDefaults !== undefined;

function probe(value: string, shape: CookieShape, options: DetectOptions): Probe {
  const explicit = explicitSettings(options);
  const hasKeyBase = typeof options.secretKeyBase === "string" && options.secretKeyBase.length > 0;
  const hasToken = typeof options.secretToken === "string" && options.secretToken.length > 0;
  const result: Probe = { shape, tried: [], skipped: [], errors: [], configErrors: [] };

  // With `loadDefaults` given there is one candidate: exactly what was asked for.
  const candidates: Candidate[] = isConfigured(options)
    ? [{ options: {} }]
    : candidatesFor(shape, options.kind, hasToken, hasKeyBase);
  const kg = keyGeneratorCache();
  const seen = new Set<string>();
  let viaFallback: Opened | undefined;

  for (const candidate of candidates) {
    const merged: CookieJarOptions = {
      ...candidate.options,
      ...explicit,
      ...(hasKeyBase ? { secretKeyBase: options.secretKeyBase } : {}),
      ...(hasToken ? { secretToken: options.secretToken } : {}),
    };
    let config: ResolvedConfig;
    try {
      config = resolveConfig(merged);
    } catch (error) {
      if (!(error instanceof RailsCookieError)) throw error;
      result.configErrors.push(error);
      continue;
    }
    // Which jar: the signed one for signed cookies, and for a session with only a secret_token
    // (`signed_or_encrypted`); the encrypted one otherwise (it also reads secret_token cookies).
    const codec =
      options.kind === "signed" || (options.kind === undefined && shape.shape === "signed") || config.secretKeyBase === null
        ? "signed"
        : "encrypted";
    const schemes = codec === "signed" ? signedSchemes(config, kg) : encryptedSchemes(config, kg);
    for (const scheme of schemes) {
      const label = schemeLabel(scheme, config);
      if (!fits(scheme, shape)) {
        if (!result.skipped.includes(label)) result.skipped.push(label);
        continue;
      }
      if (seen.has(label)) continue;
      seen.add(label);
      result.tried.push(label);
      try {
        const plaintext = scheme.open(value);
        const opened: Opened = { candidate, merged, config, codec, scheme, plaintext };
        // A built-in fallback means another candidate may have this as its primary: keep looking.
        if (scheme.source !== "fallback") {
          result.opened = opened;
          return result;
        }
        viaFallback ??= opened;
      } catch (error) {
        if (!(error instanceof RailsCookieError)) throw error;
        result.errors.push(error);
      }
    }
  }
  if (viaFallback) result.opened = viaFallback;
  return result;
}

// ───────────────────────────── 4. deciding and decoding ─────────────────────────────

interface Settled {
  options: CookieJarOptions;
  name: string;
  kind: CookieKind;
  purpose: string | null;
  enveloped: boolean;
  format: SerializerFormat | null;
}

/** From what the plaintext shows, completes the options so the jar reads (and would write) this format. */
function settle(opened: Opened, options: DetectOptions): Settled {
  const explicit = explicitSettings(options);
  const configured = isConfigured(options);
  const source = opened.scheme.source;
  let envelope: ReturnType<typeof unwrap>;
  try {
    envelope = unwrap(opened.plaintext, source === "secret_token" ? 0 : opened.config.railsVersion);
  } catch {
    // The jar will say what is wrong with it.
    envelope = { message: opened.plaintext, enveloped: false, purpose: null, expiresAt: null };
  }
  const format = detectFormat(envelope.message);
  const purpose = envelope.purpose === "" ? null : envelope.purpose;
  const name = options.name ?? (purpose?.startsWith("cookie.") ? purpose.slice("cookie.".length) : undefined) ?? "cookie";
  const settled: Record<string, unknown> = { ...opened.merged };
  const version = opened.config.railsVersion;

  if (explicit.cookiesSerializer === undefined) {
    settled["cookiesSerializer"] = format === "marshal" ? "marshal" : format === "message_pack" ? "message_pack" : "json";
  }
  // A version an unconfigured guess needs to read what is there; a configured app is taken as it is.
  const needs = (v: number) => {
    if (!configured && explicit.railsVersion === undefined && version < v) settled["railsVersion"] = v.toFixed(1);
  };
  if (String(settled["cookiesSerializer"]).startsWith("message_pack")) needs(7.1);
  if (!configured && explicit.useCookiesWithMetadata === undefined && source !== "secret_token") {
    // So that writing with these options gives the same envelope (AbstractCookieJar#commit, spec §4.1).
    if (purpose !== null) {
      // From 5.2 the CBC primary signs with SHA1 only: a CBC cookie with another digest is 4.2–5.1.
      const oldCbc = opened.scheme.protection.startsWith("aes-256-cbc") && opened.config.cookiesDigest !== "SHA1";
      if (!oldCbc) needs(6.0);
      if (!opened.config.useCookiesWithMetadata) settled["useCookiesWithMetadata"] = true;
    } else if (version >= 6.0 && opened.config.useCookiesWithMetadata) {
      settled["useCookiesWithMetadata"] = false;
    }
  }

  // Rails' session key is `_<app>_session` by default (spec §6); the session is the encrypted jar,
  // or the signed one for an app with only a secret_token (`signed_or_encrypted`).
  const kind: CookieKind = options.kind ?? (name.endsWith("_session") ? "session" : opened.codec);
  return { options: settled as CookieJarOptions, name, kind, purpose, enveloped: envelope.enveloped, format };
}

/** What a person calls the configuration that wrote the cookie, from the facts read. */
function presetName(decoded: DecodedCookie, configured: CookieJarOptions | null): string {
  if (configured) return `as configured (load_defaults ${configured.loadDefaults}${configured.railsVersion ? `, Rails ${configured.railsVersion}` : ""})`;
  const { protection, keyDerivation, source, enveloped } = decoded.scheme;
  const purpose = decoded.purpose !== null;
  if (source === "secret_token") return "Rails 3 secret_token (read by Rails 4.2–5.2)";
  const sha256 = keyDerivation === "pbkdf2-sha256";
  if (protection.endsWith("-gcm")) {
    if (sha256) return "Rails 7.0+ defaults";
    if (purpose) return "Rails 6.0–6.1 defaults (or 7.0+ with key_generator_hash_digest_class SHA1)";
    return `Rails 5.2 defaults (or 6.x with use_cookies_with_metadata false)`;
  }
  if (protection.startsWith("aes-256-cbc")) {
    if (sha256) return "Rails 7.0+ with use_authenticated_cookie_encryption false";
    if (purpose) return "Rails 6.0+ with use_authenticated_cookie_encryption false";
    return "Rails 4.2–5.1 defaults (or use_authenticated_cookie_encryption false)";
  }
  if (sha256) return "Rails 7.0+ defaults";
  if (purpose) return "Rails 6.0–6.1 defaults (or 7.0+ with key_generator_hash_digest_class SHA1)";
  return enveloped ? "Rails 5.2 defaults (or 6.x with use_cookies_with_metadata false)" : "Rails 4.2–6.1 (no metadata: before 6.0 or use_cookies_with_metadata false)";
}

const FORMAT_NAMES: Record<SerializerFormat, string> = { json: "JSON", marshal: "Marshal", message_pack: "MessagePack" };

function describeDetection(decoded: DecodedCookie, configured: CookieJarOptions | null): string {
  const { protection, keyDerivation, source, rotationIndex, enveloped, serializer } = decoded.scheme;
  const parts = [
    protectionName(protection),
    keyDerivation === null ? (source === "secret_token" ? "raw secret_token" : "raw key") : keyDerivation.toUpperCase(),
  ];
  if (source === "fallback") parts.push("read through the built-in fallback");
  if (source === "rotation") parts.push(`read through rotation ${rotationIndex}`);
  parts.push(
    !enveloped ? "no metadata envelope" : decoded.purpose === null ? "no purpose" : `purpose ${decoded.purpose}`,
    decoded.expiresAt === null ? "expires never" : `expires ${decoded.expiresAt.toISOString()}`,
    FORMAT_NAMES[serializer],
  );
  return `${presetName(decoded, configured)}: ${parts.join(", ")}`;
}

/**
 * Finds the configuration that wrote `raw` and decodes it. Throws the most specific
 * `RailsCookieError` when it cannot (its message is `explainCookie`'s reason).
 */
export function detectCookie(raw: string, options: DetectOptions): DetectedCookie {
  const result = explainCookie(raw, options);
  if (result.ok) {
    const { ok: _ok, ...detected } = result;
    return detected;
  }
  throw errorFor(result);
}

function errorFor(e: CookieExplanation): RailsCookieError {
  switch (e.code) {
    case "bad_format":
      return new CookieFormatError(e.reason);
    case "bad_tag":
      return new DecryptionError(e.reason);
    case "bad_signature":
      return new InvalidSignatureError(e.reason);
    case "unsupported_serializer":
      return new UnsupportedSerializerError(e.reason);
    case "invalid_option":
      return new InvalidOptionError(e.reason);
    case "too_large":
      return new TooLargeError(e.reason);
    case "expired":
      if (e.found?.expiredAt) return new ExpiredError(e.found.expiredAt);
      return new RailsCookieError(e.code, e.reason);
    default:
      return new RailsCookieError(e.code, e.reason);
  }
}

/**
 * Like `detectCookie`, but never throws for a bad cookie: either the detection, or the most specific
 * true reason the cookie cannot be read (not a Rails format, authentication failed, purpose mismatch,
 * expired, unsupported serializer), with every configuration tried.
 */
export function explainCookie(raw: string, options: DetectOptions): ExplainResult {
  if (typeof raw !== "string" || raw.length === 0) return { ok: false, code: "bad_format", reason: "the cookie is empty", tried: [] };
  if (raw.length > MAX_INPUT_LENGTH) {
    return { ok: false, code: "too_large", reason: `the cookie is ${raw.length} characters, more than Rails ever writes (4096 bytes before escaping)`, tried: [] };
  }
  const value = unescapeCookieValue(raw);
  const shape = cookieShape(value);
  if (shape.shape === "unknown") {
    return { ok: false, code: "bad_format", reason: `not a Rails cookie: ${shape.summary}`, tried: [], found: { shape: "unknown" } };
  }
  if (!options.secretKeyBase && !options.secretToken) {
    return { ok: false, code: "invalid_option", reason: `the cookie is ${shape.summary}; reading it needs the app's secret_key_base`, tried: [], found: { shape: shape.shape } };
  }

  const p = probe(value, shape, options);
  if (!p.opened) {
    const failure = openFailure(p, options);
    if (failure.code !== "bad_tag" && failure.code !== "bad_signature") return failure;
    const hint = openedWithout(value, shape, options);
    return hint ? { ...failure, reason: `authentication failed with the settings given (${p.tried.join("; ")}), ${hint}` } : failure;
  }

  const settled = settle(p.opened, options);
  const found: NonNullable<CookieExplanation["found"]> = {
    shape: shape.shape,
    protection: protectionName(p.opened.scheme.protection),
    ...(settled.purpose !== null ? { purpose: settled.purpose } : {}),
    serializer: settled.format ?? "unknown",
  };
  try {
    const jar = new CookieJar(options.now ? { ...settled.options, now: options.now } : settled.options);
    const decoded = jar[p.opened.codec].decode(settled.name, raw);
    return {
      ok: true,
      decoded,
      options: options.now ? { ...settled.options, now: options.now } : settled.options,
      kind: settled.kind,
      name: settled.name,
      description: describeDetection(decoded, isConfigured(options) ? settled.options : null),
    };
  } catch (error) {
    if (!(error instanceof RailsCookieError)) throw error;
    const opened = `it authenticated (${p.tried[p.tried.length - 1]}), so the secret is right, but`;
    return {
      ok: false,
      code: error.code,
      reason: `${opened} ${readFailure(error, settled)}`,
      tried: p.tried,
      found: error instanceof ExpiredError ? { ...found, expiredAt: error.expiredAt } : found,
    };
  }
}

/**
 * When the given settings fail to authenticate, whether the secret alone (and any custom salts:
 * they cannot be guessed) opens the cookie. If it does, the secret is right and the settings are
 * not the ones of the app that wrote it, which is the most specific true reason (typically
 * `load_defaults "7.0"`'s PBKDF2-SHA256 against cookies from before the upgrade, or the reverse).
 */
function openedWithout(value: string, shape: CookieShape, options: DetectOptions): string | null {
  const bare: DetectOptions = {};
  for (const key of ["secretKeyBase", "secretToken", "authenticatedEncryptedCookieSalt", "encryptedCookieSalt", "encryptedSignedCookieSalt", "signedCookieSalt", "now"] as const) {
    if (options[key] !== undefined) (bare as Record<string, unknown>)[key] = options[key];
  }
  if (Object.keys(explicitSettings(options)).every((k) => k in bare) && options.kind === undefined) return null;
  const p = probe(value, shape, bare);
  if (!p.opened) return null;
  const settled = settle(p.opened, bare);
  const given = { ...explicitSettings(options), ...(options.kind ? { kind: options.kind } : {}) };
  const detected = Object.entries(settled.options)
    .filter(([k]) => !["secretKeyBase", "secretToken", "now"].includes(k))
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
  return `but the same secret opens it as ${p.tried[p.tried.length - 1]} (${detected}${settled.kind !== options.kind ? `, kind ${settled.kind}` : ""}): the settings given (${Object.entries(given).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")}) are not those of the app that wrote it.`;
}

/** Why a cookie that authenticated was refused by the jar. */
function readFailure(error: RailsCookieError, settled: Settled): string {
  if (error instanceof PurposeMismatchError) {
    const own = error.found?.startsWith("cookie.") ? ` (its own name is ${JSON.stringify(error.found.slice(7))})` : "";
    return `its envelope names purpose ${JSON.stringify(error.found)} and reading it as ${JSON.stringify(settled.name)} expects ${JSON.stringify(error.expected)}: it was copied from another cookie${own}, and Rails refuses it.`;
  }
  if (error instanceof ExpiredError) {
    return `it expired at ${error.expiredAt.toISOString()} (the envelope's exp); Rails reads nil after that.`;
  }
  if (error instanceof UnsupportedSerializerError) {
    const fmt = settled.format === null ? "in no serialization Rails knows" : FORMAT_NAMES[settled.format];
    return `its payload is ${fmt}, which cookies_serializer :${settled.options.cookiesSerializer} does not read (${error.message}).`;
  }
  return `${error.message}.`;
}

/** No candidate opened the cookie: a configuration that cannot read this shape, or failed authentication. */
function openFailure(p: Probe, options: DetectOptions): CookieExplanation {
  const authError = p.errors.find((e) => e.code === "bad_tag" || e.code === "bad_signature");
  if (!authError) {
    const formatError = p.errors.find((e) => e.code === "bad_format");
    if (formatError) {
      return { ok: false, code: "bad_format", reason: `the cookie is ${p.shape.summary}, but ${formatError.message}`, tried: p.tried, found: { shape: p.shape.shape } };
    }
    if (p.tried.length === 0 && p.configErrors.length > 0 && p.skipped.length === 0) {
      return { ok: false, code: "invalid_option", reason: p.configErrors.map((e) => e.message).join("; "), tried: [] };
    }
    const reads = p.skipped.length ? ` (the configuration reads only: ${p.skipped.join("; ")})` : "";
    const asked = options.kind ? `--kind ${options.kind}` : "the given configuration";
    const secret = p.shape.shape === "signed" && !options.secretKeyBase ? " and only a secret_token was given, which needs a signed cookie made from it" : "";
    return {
      ok: false,
      code: "bad_format",
      reason: `the cookie is ${p.shape.summary}, which ${asked} does not read${reads}${secret}.`,
      tried: p.tried,
      found: { shape: p.shape.shape },
    };
  }
  const hints = [
    "the cookie was made with another secret_key_base (another environment or app, or a rotated secret)",
    "the app sets custom salts, rotations or encrypted_cookie_cipher",
    "the cookie was modified or truncated",
  ];
  if (p.shape.shape === "signed" && !options.secretToken) hints.push("it is a Rails 3 secret_token cookie (give the secret_token)");
  return {
    ok: false,
    code: authError.code,
    reason: `authentication failed: the cookie is ${p.shape.summary}, but ${p.tried.length === 1 ? "the one configuration tried does not open it" : `none of ${p.tried.length} configurations opens it`}. Likely: ${hints.join("; or ")}.`,
    tried: p.tried,
    found: { shape: p.shape.shape },
  };
}
