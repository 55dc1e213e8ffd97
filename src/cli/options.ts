/**
 * Command-line flags → library options.
 *
 * Every flag is a Rails setting in Rails' own spelling with dashes
 * (`config.action_dispatch.use_authenticated_cookie_encryption` → `--use-authenticated-cookie-encryption`),
 * so a developer can copy values out of `config/application.rb` as they are. What is not given is
 * auto-detected by `detectCookie` (reading) and refused by `encode` (writing).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { LOAD_DEFAULTS, type CookieJarOptions, type CookiesSerializer, type LoadDefaults } from "../config.js";
import type { CookieKind, DetectOptions } from "../detect.js";

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Flags shared by every command that reads or writes a cookie. */
export const CONFIG_FLAGS = {
  "secret-key-base": { type: "string" },
  "secret-token": { type: "string" },
  app: { type: "string" },
  environment: { type: "string" },
  "load-defaults": { type: "string" },
  "rails-version": { type: "string" },
  serializer: { type: "string" },
  kind: { type: "string" },
  name: { type: "string" },
  "use-authenticated-cookie-encryption": { type: "string" },
  "use-cookies-with-metadata": { type: "string" },
  "key-generator-hash-digest-class": { type: "string" },
  "signed-cookie-digest": { type: "string" },
  "cookies-digest": { type: "string" },
  "encrypted-cookie-cipher": { type: "string" },
  "authenticated-encrypted-cookie-salt": { type: "string" },
  "encrypted-cookie-salt": { type: "string" },
  "encrypted-signed-cookie-salt": { type: "string" },
  "signed-cookie-salt": { type: "string" },
  now: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** Boolean Rails settings: `--flag`, `--flag true|false`, `--flag=false` all work. */
const BOOLEAN_SETTINGS = ["use-authenticated-cookie-encryption", "use-cookies-with-metadata"];

/** Lets a boolean setting stand alone (`--use-cookies-with-metadata` means true), as Rails' `= true`. */
function normaliseBooleans(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    out.push(arg);
    if (BOOLEAN_SETTINGS.includes(arg.replace(/^--/, "")) && arg.startsWith("--")) {
      const next = argv[i + 1];
      if (next === "true" || next === "false") out.push(argv[++i]!);
      else out.push("true");
    }
  }
  return out;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** `util.parseArgs`, strict, with Rails-style booleans; unknown flags are usage errors. */
export function parse(argv: string[], extra: OptionSpec = {}): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: normaliseBooleans(argv),
      options: { ...CONFIG_FLAGS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

function bool(flag: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`--${flag} must be true or false, got ${JSON.stringify(value)}`);
}

/** `OpenSSL::Digest::SHA256`, `sha256`, `SHA256` → `SHA256`. */
function digest<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const bare = value.replace(/^(?:OpenSSL::Digest::|::)/, "").replace(/^["':]|["']$/g, "").toUpperCase().replace(/-/g, "");
  return oneOf(flag, bare, allowed);
}

const SERIALIZERS: readonly CookiesSerializer[] = ["json", "marshal", "hybrid", "json_allow_marshal", "message_pack", "message_pack_allow_marshal"];
const KINDS: readonly CookieKind[] = ["session", "encrypted", "signed"];
const DIGESTS = ["SHA1", "SHA256", "SHA384", "SHA512", "MD5"] as const;

/** Parses an ISO date (or `now`), for `--now` and `--expires`. */
export function parseDate(flag: string, value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${flag} must be an ISO-8601 date such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`);
  }
  return date;
}

/** The Rails settings given on the command line (no secrets). */
export function settingsFrom(values: Parsed["values"]): DetectOptions {
  const options: Record<string, unknown> = {};
  const set = (key: keyof DetectOptions, value: unknown) => {
    if (value !== undefined) options[key] = value;
  };
  const loadDefaults = str(values["load-defaults"])?.replace(/^["']|["']$/g, "");
  set("loadDefaults", oneOf("load-defaults", loadDefaults, LOAD_DEFAULTS) as LoadDefaults | undefined);
  const railsVersion = str(values["rails-version"]);
  if (railsVersion !== undefined && !/^\d+\.\d+(\.\d+)*$/.test(railsVersion)) {
    throw new UsageError(`--rails-version must look like 7.1 or 7.1.3, got ${JSON.stringify(railsVersion)}`);
  }
  set("railsVersion", railsVersion);
  set("cookiesSerializer", oneOf("serializer", str(values["serializer"])?.replace(/^:/, ""), SERIALIZERS));
  set("kind", oneOf("kind", str(values["kind"]), KINDS));
  set("name", str(values["name"]));
  set("useAuthenticatedCookieEncryption", bool("use-authenticated-cookie-encryption", str(values["use-authenticated-cookie-encryption"])));
  set("useCookiesWithMetadata", bool("use-cookies-with-metadata", str(values["use-cookies-with-metadata"])));
  set("keyGeneratorHashDigestClass", digest("key-generator-hash-digest-class", str(values["key-generator-hash-digest-class"]), ["SHA1", "SHA256"] as const));
  set("signedCookieDigest", digest("signed-cookie-digest", str(values["signed-cookie-digest"]), DIGESTS));
  set("cookiesDigest", digest("cookies-digest", str(values["cookies-digest"]), DIGESTS));
  set("encryptedCookieCipher", oneOf("encrypted-cookie-cipher", str(values["encrypted-cookie-cipher"])?.toLowerCase(), ["aes-256-gcm", "aes-128-gcm"] as const));
  set("authenticatedEncryptedCookieSalt", str(values["authenticated-encrypted-cookie-salt"]));
  set("encryptedCookieSalt", str(values["encrypted-cookie-salt"]));
  set("encryptedSignedCookieSalt", str(values["encrypted-signed-cookie-salt"]));
  set("signedCookieSalt", str(values["signed-cookie-salt"]));
  const now = str(values["now"]);
  if (now !== undefined) {
    const fixed = parseDate("now", now);
    options["now"] = () => fixed;
  }
  return options as DetectOptions;
}

const FLAG_OF: Partial<Record<keyof CookieJarOptions, string>> = {
  loadDefaults: "load-defaults",
  railsVersion: "rails-version",
  cookiesSerializer: "serializer",
  useAuthenticatedCookieEncryption: "use-authenticated-cookie-encryption",
  useCookiesWithMetadata: "use-cookies-with-metadata",
  keyGeneratorHashDigestClass: "key-generator-hash-digest-class",
  signedCookieDigest: "signed-cookie-digest",
  cookiesDigest: "cookies-digest",
  encryptedCookieCipher: "encrypted-cookie-cipher",
  authenticatedEncryptedCookieSalt: "authenticated-encrypted-cookie-salt",
  encryptedCookieSalt: "encrypted-cookie-salt",
  encryptedSignedCookieSalt: "encrypted-signed-cookie-salt",
  signedCookieSalt: "signed-cookie-salt",
};

/** The detected configuration as command-line arguments (never secrets), so a developer can pin it. */
export function flagsFor(options: CookieJarOptions): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(FLAG_OF)) {
    const value = options[key as keyof CookieJarOptions];
    if (value === undefined) continue;
    out.push(`--${flag}`, String(value));
  }
  return out;
}

/** Flags as one line a POSIX shell reads back as the same arguments (single-quoted where needed). */
export function shellJoin(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9._:+\/=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** The detected configuration without secrets or functions, for JSON output. */
export function publicOptions(options: CookieJarOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(FLAG_OF)) {
    const value = options[key as keyof CookieJarOptions];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
