/**
 * Options, and the presets that mirror `config.load_defaults`
 * (railties/lib/rails/application/configuration.rb `#load_defaults`; spec §8).
 *
 * Every cookie-related Rails setting has an option of the same name, camel-cased. What is not given
 * comes from `loadDefaults`, exactly as an app with that `config.load_defaults` line and no explicit
 * setting would behave.
 */
import { InvalidOptionError } from "./errors.js";
import type { GcmCipher, KeyGeneratorHashDigestClass, MessageDigest } from "./crypto/index.js";

export type LoadDefaults = "4.2" | "5.0" | "5.1" | "5.2" | "6.0" | "6.1" | "7.0" | "7.1" | "7.2" | "8.0" | "8.1";

export const LOAD_DEFAULTS: readonly LoadDefaults[] = ["4.2", "5.0", "5.1", "5.2", "6.0", "6.1", "7.0", "7.1", "7.2", "8.0", "8.1"];

/** Newest `load_defaults` this library knows; the default when none is given. */
export const NEWEST_LOAD_DEFAULTS: LoadDefaults = "8.1";

/**
 * `config.action_dispatch.cookies_serializer`. `hybrid` is Rails' name for what 7.1 calls
 * `json_allow_marshal`; both are accepted.
 */
export type CookiesSerializer =
  | "json"
  | "marshal"
  | "hybrid"
  | "json_allow_marshal"
  | "message_pack"
  | "message_pack_allow_marshal";

/**
 * One entry of `config.action_dispatch.cookies_rotations.rotate(:encrypted | :signed, …)`: any
 * subset of the jar's secret and crypto settings. What is missing is taken from the jar itself, as
 * Rails' rotations inherit from the primary encryptor or verifier.
 */
export interface CookieRotation {
  secretKeyBase?: string;
  keyGeneratorHashDigestClass?: KeyGeneratorHashDigestClass;
  authenticatedEncryptedCookieSalt?: string;
  encryptedCookieSalt?: string;
  encryptedSignedCookieSalt?: string;
  signedCookieSalt?: string;
  /** The HMAC digest of a signed rotation, or of a CBC rotation's signature. */
  digest?: MessageDigest;
  /** `aes-256-gcm` (default for encrypted), `aes-128-gcm`, or `aes-256-cbc`. */
  cipher?: GcmCipher | "aes-256-cbc";
  /** A raw key instead of a derived one, as in `rotate :encrypted, key` (Rails' upgrade-guide recipe). */
  secret?: Uint8Array;
  /** The raw HMAC key of a CBC rotation. */
  signSecret?: Uint8Array;
}

export interface CookieJarOptions {
  /** The app's `secret_key_base`. Required unless only a Rails 3 `secretToken` is set. */
  secretKeyBase?: string;
  /** Rails 3-era `secret_token`, honoured by Rails 4.2–5.2 only (signed cookies, read-and-upgrade). */
  secretToken?: string;
  /** The app's `config.load_defaults`. Default: the newest, `"8.1"`. */
  loadDefaults?: LoadDefaults;
  /**
   * The Rails version the app runs, when it is newer than its `load_defaults` (e.g. `"7.1"` for a
   * 7.1 app still on `load_defaults "6.1"`). It decides reader strictness and a few write details.
   * Default: the `loadDefaults` version, which every later Rails reads too.
   */
  railsVersion?: string;
  /** Default `"json"` (what `load_defaults "7.0"`+ set and what apps generated since 4.1 configure). */
  cookiesSerializer?: CookiesSerializer;
  useAuthenticatedCookieEncryption?: boolean;
  useCookiesWithMetadata?: boolean;
  keyGeneratorHashDigestClass?: KeyGeneratorHashDigestClass;
  authenticatedEncryptedCookieSalt?: string;
  encryptedCookieSalt?: string;
  encryptedSignedCookieSalt?: string;
  signedCookieSalt?: string;
  /** `config.action_dispatch.signed_cookie_digest` (5.2+). Default SHA1. */
  signedCookieDigest?: MessageDigest;
  /** `config.action_dispatch.cookies_digest`: the signed digest before 5.2 and the CBC fallback's digest. Default SHA1. */
  cookiesDigest?: MessageDigest;
  /** `config.action_dispatch.encrypted_cookie_cipher`. Default `aes-256-gcm`. */
  encryptedCookieCipher?: GcmCipher;
  cookiesRotations?: { encrypted?: CookieRotation[]; signed?: CookieRotation[] };
  /** Clock for expiry checks and `expires` on write. Default: the system clock. */
  now?: () => Date;
  /**
   * Not a Rails setting: how many authenticated cookies each of the jar's codecs remembers, so
   * that the same cookie read again skips its decryption or MAC check (src/crypto/verifiedCache.ts).
   * Purpose, expiry and deserialization still run on every read. Default 0 (none) for a
   * `CookieJar`; the session middleware and `createSessionStore` default to 1000.
   */
  verifiedCookieCache?: number;
}

/** Every setting decided: what the jar actually runs with. */
export interface ResolvedConfig {
  secretKeyBase: string | null;
  secretToken: string | null;
  loadDefaults: LoadDefaults;
  /** As a number, e.g. 7.1, for version comparisons. */
  railsVersion: number;
  cookiesSerializer: CookiesSerializer;
  useAuthenticatedCookieEncryption: boolean;
  useCookiesWithMetadata: boolean;
  keyGeneratorHashDigestClass: KeyGeneratorHashDigestClass;
  authenticatedEncryptedCookieSalt: string;
  encryptedCookieSalt: string;
  encryptedSignedCookieSalt: string;
  signedCookieSalt: string;
  signedCookieDigest: MessageDigest;
  cookiesDigest: MessageDigest;
  encryptedCookieCipher: GcmCipher;
  cookiesRotations: { encrypted: CookieRotation[]; signed: CookieRotation[] };
  now: () => Date;
  verifiedCookieCache: number;
}

/** The salts' defaults (actionpack/lib/action_dispatch/railtie.rb). */
export const DEFAULT_SALTS = {
  authenticatedEncryptedCookieSalt: "authenticated encrypted cookie",
  encryptedCookieSalt: "encrypted cookie",
  encryptedSignedCookieSalt: "signed encrypted cookie",
  signedCookieSalt: "signed cookie",
} as const;

const DIGESTS: readonly MessageDigest[] = ["SHA1", "SHA256", "SHA384", "SHA512", "MD5"];
const SERIALIZERS: readonly CookiesSerializer[] = [
  "json",
  "marshal",
  "hybrid",
  "json_allow_marshal",
  "message_pack",
  "message_pack_allow_marshal",
];

function parseVersion(text: string, what: string): number {
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) throw new InvalidOptionError(`${what} must look like "7.1", got ${JSON.stringify(text)}`);
  return Number(match[1]) + Number(match[2]) / 10;
}

/** Accepts Rails' spelling too: `OpenSSL::Digest::SHA256`, `sha256`. */
function normaliseDigest<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  const bare = value.replace(/^OpenSSL::Digest::/, "").toUpperCase().replace(/-/g, "") as T;
  if (!allowed.includes(bare)) throw new InvalidOptionError(`${what} must be one of ${allowed.join(", ")}, got ${value}`);
  return bare;
}

/** Applies `loadDefaults` and validates; throws `InvalidOptionError`. */
export function resolveConfig(options: CookieJarOptions): ResolvedConfig {
  const loadDefaults = options.loadDefaults ?? NEWEST_LOAD_DEFAULTS;
  if (!LOAD_DEFAULTS.includes(loadDefaults)) {
    throw new InvalidOptionError(`loadDefaults must be one of ${LOAD_DEFAULTS.join(", ")}`);
  }
  const defaults = parseVersion(loadDefaults, "loadDefaults");
  const railsVersion = options.railsVersion === undefined ? defaults : parseVersion(options.railsVersion, "railsVersion");
  if (railsVersion < defaults) throw new InvalidOptionError("railsVersion cannot be older than loadDefaults");

  const secretKeyBase = options.secretKeyBase ?? null;
  const secretToken = options.secretToken ?? null;
  if (secretKeyBase === null && secretToken === null) throw new InvalidOptionError("secretKeyBase is required");
  if (secretKeyBase !== null && (typeof secretKeyBase !== "string" || secretKeyBase.length === 0)) {
    throw new InvalidOptionError("secretKeyBase must be a non-empty string");
  }
  if (secretToken !== null && railsVersion >= 6.0) {
    throw new InvalidOptionError("secretToken is only honoured by Rails 4.2–5.2 (removed in 6.0)");
  }
  if (secretToken !== null && secretToken.length < 30) {
    // ActiveSupport::LegacyKeyGenerator#ensure_secret_secure
    throw new InvalidOptionError("secretToken must be at least 30 characters, as Rails requires");
  }

  const cookiesSerializer = options.cookiesSerializer ?? "json";
  if (!SERIALIZERS.includes(cookiesSerializer)) {
    throw new InvalidOptionError(`cookiesSerializer must be one of ${SERIALIZERS.join(", ")}`);
  }
  if (cookiesSerializer.startsWith("message_pack") && railsVersion < 7.1) {
    throw new InvalidOptionError("the message_pack cookie serializer exists from Rails 7.1");
  }

  // Settings that an older Rails simply does not have stay at what that version does.
  const keyGeneratorHashDigestClass =
    railsVersion >= 7.0
      ? normaliseDigest(options.keyGeneratorHashDigestClass, ["SHA1", "SHA256"] as const, "keyGeneratorHashDigestClass") ??
        (defaults >= 7.0 ? "SHA256" : "SHA1")
      : "SHA1";
  const encryptedCookieCipher = options.encryptedCookieCipher ?? "aes-256-gcm";
  if (encryptedCookieCipher !== "aes-256-gcm" && encryptedCookieCipher !== "aes-128-gcm") {
    throw new InvalidOptionError("encryptedCookieCipher must be aes-256-gcm or aes-128-gcm");
  }

  return {
    secretKeyBase,
    secretToken,
    loadDefaults,
    railsVersion,
    cookiesSerializer: cookiesSerializer === "json_allow_marshal" ? "hybrid" : cookiesSerializer,
    useAuthenticatedCookieEncryption:
      railsVersion >= 5.2 ? options.useAuthenticatedCookieEncryption ?? defaults >= 5.2 : false,
    useCookiesWithMetadata: railsVersion >= 6.0 ? options.useCookiesWithMetadata ?? defaults >= 6.0 : false,
    keyGeneratorHashDigestClass,
    authenticatedEncryptedCookieSalt: options.authenticatedEncryptedCookieSalt ?? DEFAULT_SALTS.authenticatedEncryptedCookieSalt,
    encryptedCookieSalt: options.encryptedCookieSalt ?? DEFAULT_SALTS.encryptedCookieSalt,
    encryptedSignedCookieSalt: options.encryptedSignedCookieSalt ?? DEFAULT_SALTS.encryptedSignedCookieSalt,
    signedCookieSalt: options.signedCookieSalt ?? DEFAULT_SALTS.signedCookieSalt,
    signedCookieDigest: normaliseDigest(options.signedCookieDigest, DIGESTS, "signedCookieDigest") ?? "SHA1",
    cookiesDigest: normaliseDigest(options.cookiesDigest, DIGESTS, "cookiesDigest") ?? "SHA1",
    encryptedCookieCipher,
    cookiesRotations: {
      encrypted: [...(options.cookiesRotations?.encrypted ?? [])],
      signed: [...(options.cookiesRotations?.signed ?? [])],
    },
    now: options.now ?? (() => new Date()),
    verifiedCookieCache: cacheSize(options.verifiedCookieCache),
  };
}

function cacheSize(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidOptionError("verifiedCookieCache must be a whole number of entries (0: no cache)");
}
