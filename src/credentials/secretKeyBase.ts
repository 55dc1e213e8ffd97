/**
 * Where a Rails app's `secret_key_base` comes from, per Rails version (spec §1.1).
 *
 * Rails source (railties): `lib/rails/application.rb#secret_key_base`, `#credentials`,
 * `#generate_development_secret` (5.2.2.1 – 7.0), `#generate_local_secret` (7.1) and
 * `lib/rails/application/configuration.rb#secret_key_base`, `#generate_local_secret` (7.2+),
 * `#default_credentials_content_path` (6.0+). Read at v6.0.6.1, v6.1.7.10, v7.1.0, v7.1.6, v7.2.3, v8.0.5.
 *
 *   4.2 – 5.1 ........ config/secrets.yml
 *   5.2 – 7.0 ........ development/test: secrets.yml, then tmp/development_secret.txt
 *                      other environments: ENV["SECRET_KEY_BASE"], credentials, secrets.yml
 *   7.1.0 – 7.1.3 .... development/test (or SECRET_KEY_BASE_DUMMY): tmp/local_secret.txt, then secrets.yml
 *                      other environments: ENV, credentials, secrets.yml
 *   7.1.4 – 7.1.x .... ENV, credentials, secrets.yml, then (development/test) tmp/local_secret.txt
 *   7.2, 8.x ......... SECRET_KEY_BASE_DUMMY → tmp/local_secret.txt; else ENV, credentials,
 *                      then (development/test) tmp/local_secret.txt
 *
 * "credentials" (6.0+) is `config/credentials/<env>.yml.enc` when that file exists, in place of the
 * global `config/credentials.yml.enc` (not merged with it); the key is `ENV["RAILS_MASTER_KEY"]`,
 * else `config/credentials/<env>.key` / `config/master.key`. No key means empty credentials, as in
 * Rails without `require_master_key`.
 *
 * Rails creates a missing local/development secret file with a fresh random value; we only read.
 * Secrets are never logged or put in error messages.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CredentialsError, InvalidOptionError, SecretNotFoundError } from "../errors.js";
import { decryptEncryptedFile } from "./encryptedFile.js";
import { parseCredentials, secretKeyBaseOf } from "./encryptedConfiguration.js";
import { parseSecretsYml } from "./secretsYml.js";
import { readSecretFile } from "./secretFile.js";

export interface FindSecretKeyBaseOptions {
  /** The Rails application root (the directory holding `config/`). */
  appDir: string;
  /** `Rails.env`. Default `"development"`. */
  environment?: string;
  /** Environment variables to consult (`SECRET_KEY_BASE`, `RAILS_MASTER_KEY`, …). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * The app's Rails version (`"6.1"`, `"7.1.3"`, …), to follow exactly that version's order. Without
   * it every source is tried, newest convention first: ENV, credentials, tmp/local_secret.txt,
   * tmp/development_secret.txt (last two only in development/test), config/secrets.yml.
   */
  railsVersion?: string;
}

export interface SecretKeyBaseResult {
  secretKeyBase: string;
  /** Which source gave it, e.g. `config/credentials.yml.enc (key: config/master.key)`. */
  source: string;
}

type Step = "env" | "credentials" | "secretsYml" | "localSecret" | "developmentSecret";

/**
 * Finds `secret_key_base` the way the app's Rails would. Throws `SecretNotFoundError` when there is
 * none, `CredentialsError` when a source is broken.
 */
export function findSecretKeyBase(options: FindSecretKeyBaseOptions): SecretKeyBaseResult {
  const { appDir } = options;
  const environment = options.environment ?? "development";
  const env = options.env ?? process.env;
  if (typeof appDir !== "string" || appDir === "") throw new InvalidOptionError("appDir is required");
  if (!/^[A-Za-z0-9_-]+$/.test(environment)) throw new InvalidOptionError("environment must be a plain name");
  const local = environment === "development" || environment === "test"; // `Rails.env.local?`
  const version = options.railsVersion === undefined ? null : parseVersion(options.railsVersion);

  const tried: string[] = [];
  for (const step of chain(version, local, env)) {
    const found = run(step, { appDir, environment, env, version, tried });
    if (found) return found;
  }
  throw new SecretNotFoundError(environment, tried);
}

function chain(version: number[] | null, local: boolean, env: Record<string, string | undefined>): Step[] {
  const dummy = env["SECRET_KEY_BASE_DUMMY"] !== undefined;
  if (version === null) {
    return local
      ? ["env", "credentials", "localSecret", "developmentSecret", "secretsYml"]
      : ["env", "credentials", "secretsYml"];
  }
  if (cmp(version, [5, 2]) < 0) return ["secretsYml"];
  if (cmp(version, [7, 1]) < 0) {
    if (local && cmp(version, [5, 2, 0]) >= 0 && cmp(version, [5, 2, 2, 1]) < 0) {
      throw new CredentialsError(
        "Rails 5.2.0–5.2.2 used MD5(application class name) as the development secret (CVE-2019-5420); set SECRET_KEY_BASE",
      );
    }
    return local ? ["secretsYml", "developmentSecret"] : ["env", "credentials", "secretsYml"];
  }
  if (cmp(version, [7, 1, 4]) < 0 && cmp(version, [7, 2]) < 0) {
    return local || dummy ? ["localSecret", "secretsYml"] : ["env", "credentials", "secretsYml"];
  }
  if (cmp(version, [7, 2]) < 0) {
    if (dummy) return ["localSecret", "secretsYml"];
    return local ? ["env", "credentials", "secretsYml", "localSecret"] : ["env", "credentials", "secretsYml"];
  }
  if (dummy) return ["localSecret"];
  return local ? ["env", "credentials", "localSecret"] : ["env", "credentials"];
}

interface Context {
  appDir: string;
  environment: string;
  env: Record<string, string | undefined>;
  version: number[] | null;
  tried: string[];
}

function run(step: Step, ctx: Context): SecretKeyBaseResult | null {
  switch (step) {
    case "env": {
      ctx.tried.push('ENV["SECRET_KEY_BASE"]');
      const value = ctx.env["SECRET_KEY_BASE"];
      if (value === undefined) return null;
      // Ruby's `ENV["SECRET_KEY_BASE"] || …` takes an empty String, then `validate_secret_key_base` rejects it.
      if (value.trim() === "") throw new CredentialsError('ENV["SECRET_KEY_BASE"] is set but empty');
      return { secretKeyBase: value, source: 'ENV["SECRET_KEY_BASE"]' };
    }
    case "credentials":
      return fromCredentials(ctx);
    case "localSecret":
      return fromFile(ctx, "tmp/local_secret.txt");
    case "developmentSecret":
      return fromFile(ctx, "tmp/development_secret.txt");
    case "secretsYml": {
      const rel = "config/secrets.yml";
      ctx.tried.push(rel);
      const bytes = readSecretFile(join(ctx.appDir, rel), rel);
      if (bytes === null) return null;
      const secrets = parseSecretsYml(bytes.toString("utf8"), ctx.environment, ctx.env);
      const value = secretKeyBaseOf(secrets);
      return value === null ? null : { secretKeyBase: value, source: rel };
    }
  }
}

function fromFile(ctx: Context, rel: string): SecretKeyBaseResult | null {
  ctx.tried.push(rel);
  const bytes = readSecretFile(join(ctx.appDir, rel), rel);
  if (bytes === null) return null;
  // `File.binread`: the bytes as they are, no strip (a trailing newline would be part of the secret).
  const value = bytes.toString("utf8");
  if (value === "") throw new CredentialsError(`${rel} is empty`);
  return { secretKeyBase: value, source: rel };
}

/** `Rails.application.credentials.secret_key_base` (`Application#credentials`, `#encrypted`). */
function fromCredentials(ctx: Context): SecretKeyBaseResult | null {
  const perEnv = `config/credentials/${ctx.environment}.yml.enc`;
  // Per-environment credentials exist from 6.0 (`credentials_available_for_current_env?`).
  const perEnvKnown = ctx.version === null || cmp(ctx.version, [6, 0]) >= 0;
  const usePerEnv = perEnvKnown && existsSync(join(ctx.appDir, perEnv));
  const contentRel = usePerEnv ? perEnv : "config/credentials.yml.enc";
  const keyRel = usePerEnv ? `config/credentials/${ctx.environment}.key` : "config/master.key";
  ctx.tried.push(contentRel);

  const content = readSecretFile(join(ctx.appDir, contentRel), contentRel);
  if (content === null) return null;

  // `read_env_key || read_key_file`; 7.1+ ignores an empty ENV value (`.presence`).
  let key: string | undefined;
  let keySource: string;
  const envKey = ctx.env["RAILS_MASTER_KEY"];
  if (envKey !== undefined && envKey !== "") {
    key = envKey;
    keySource = 'ENV["RAILS_MASTER_KEY"]';
  } else {
    keySource = keyRel;
    key = readSecretFile(join(ctx.appDir, keyRel), keyRel)?.toString("utf8").trim();
  }
  // No key: Rails (without require_master_key) sees empty credentials and goes on.
  if (key === undefined || key === "") return null;

  let yaml: string;
  try {
    yaml = decryptEncryptedFile(content.toString("latin1"), key);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new CredentialsError(`${contentRel} (key: ${keySource}): ${why}`, { cause });
  }
  const value = secretKeyBaseOf(parseCredentials(yaml));
  return value === null ? null : { secretKeyBase: value, source: `${contentRel} (key: ${keySource})` };
}

/** "7.1" → [7, 1, ∞]: a version without patch level means the newest patch of that series. */
function parseVersion(version: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  if (!m) throw new InvalidOptionError(`not a Rails version: ${JSON.stringify(version)}`);
  return [Number(m[1]), Number(m[2]), m[3] === undefined ? Infinity : Number(m[3]), m[4] === undefined ? (m[3] === undefined ? Infinity : 0) : Number(m[4])];
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 4; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
