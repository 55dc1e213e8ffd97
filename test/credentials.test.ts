/**
 * Credentials and secret_key_base (src/credentials/) against real Rails:
 * - fixtures/rails-apps/ (copied byte for byte from /work/shared/rails-apps): app directories that
 *   real Rails 6.1.7.10, 7.1.6, 7.2.3 and 8.0.5 ran from, each with the session cookie it wrote.
 *   We find each app's secret, and (with ruby) Ruby's OpenSSL decrypts that app's cookie with it
 *   to exactly the session Rails read (apps.jsonl `rails_reads`).
 * - ActiveSupport 6.1's own `EncryptedFile` / `EncryptedConfiguration` / `Rails::Secrets.parse`
 *   decrypt and parse the same files, and files Ruby encrypts here, and we compare.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeNeeding, rails } from "./helpers/needs.js";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decryptEncryptedFile,
  findSecretKeyBase,
  parseCredentials,
  parseSecretsYml,
  renderSecretsErb,
} from "../src/credentials/index.js";
import { CredentialsError } from "../src/errors.js";

const APPS = new URL("../fixtures/rails-apps/", import.meta.url).pathname;

interface App {
  app: string;
  rails: string;
  defaults: string;
  name: string;
  value: string;
  rails_reads: Record<string, unknown>;
}
const apps: App[] = readFileSync(join(APPS, "apps.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as App);

/**
 * The environment each app ran in. apps.jsonl does not say; it follows from the files and the Rails
 * version: Rails 6.1 consults credentials only outside development/test, so credentials61 ran in
 * production; credentials71prod holds only production credentials.
 */
const ENVIRONMENT: Record<string, string> = {
  credentials61: "production",
  credentials71prod: "production",
  credentials80: "production",
  dev61: "development",
  local72: "development",
};
const EXPECTED_SOURCE: Record<string, string> = {
  credentials61: "config/credentials.yml.enc (key: config/master.key)",
  credentials71prod: "config/credentials/production.yml.enc (key: config/credentials/production.key)",
  credentials80: "config/credentials.yml.enc (key: config/master.key)",
  dev61: "tmp/development_secret.txt",
  local72: "tmp/local_secret.txt",
};

const ENC_FILES = [
  { file: "credentials61/config/credentials.yml.enc", key: "credentials61/config/master.key", rails: "6.1.7.10" },
  { file: "credentials80/config/credentials.yml.enc", key: "credentials80/config/master.key", rails: "8.0.5" },
  { file: "credentials71prod/config/credentials/production.yml.enc", key: "credentials71prod/config/credentials/production.key", rails: "7.1.6" },
];

const tmpRoot = mkdtempSync(join(tmpdir(), "rcc-credentials-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let tmpCount = 0;
/** A scratch app directory assembled from fixture files: `{ "config/master.key": "credentials80/config/master.key" }`. */
function scratchApp(files: Record<string, string | { text: string }>): string {
  const dir = join(tmpRoot, `app${tmpCount++}`);
  for (const [to, from] of Object.entries(files)) {
    mkdirSync(join(dir, to, ".."), { recursive: true });
    if (typeof from === "string") cpSync(join(APPS, from), join(dir, to));
    else writeFileSync(join(dir, to), from.text);
  }
  return dir;
}

describe("findSecretKeyBase on real Rails app directories", () => {
  it("covers every app of apps.jsonl", () => {
    expect(apps.map((a) => a.app).sort()).toEqual(Object.keys(ENVIRONMENT).sort());
  });

  for (const a of apps) {
    it(`${a.app} (Rails ${a.rails}, defaults ${a.defaults}): found without and with its Rails version`, () => {
      const environment = ENVIRONMENT[a.app]!;
      const generic = findSecretKeyBase({ appDir: join(APPS, a.app), environment, env: {} });
      expect(generic.source).toBe(EXPECTED_SOURCE[a.app]);
      expect(generic.secretKeyBase).toMatch(/^[0-9a-f]{128}$/);
      const versioned = findSecretKeyBase({ appDir: join(APPS, a.app), environment, env: {}, railsVersion: a.rails });
      expect(versioned).toEqual(generic);
    });
  }

  it("credentials71prod has no development secret: a clear error that names no secret", () => {
    const err = (() => {
      try {
        findSecretKeyBase({ appDir: join(APPS, "credentials71prod"), environment: "development", env: {}, railsVersion: "7.1.6" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as CredentialsError).code).toBe("bad_credentials");
    expect((err as Error).message).toContain("tmp/local_secret.txt");
  });

  it("ENV SECRET_KEY_BASE wins (production; and 7.2 development), but not in Rails 6.1 development", () => {
    const env = { SECRET_KEY_BASE: "from-env" };
    expect(findSecretKeyBase({ appDir: join(APPS, "credentials80"), environment: "production", env }).source).toBe('ENV["SECRET_KEY_BASE"]');
    expect(findSecretKeyBase({ appDir: join(APPS, "local72"), env, railsVersion: "7.2" }).secretKeyBase).toBe("from-env");
    // Rails 6.1 in development reads only secrets.yml and tmp/development_secret.txt.
    expect(findSecretKeyBase({ appDir: join(APPS, "dev61"), env, railsVersion: "6.1" }).source).toBe("tmp/development_secret.txt");
    expect(() => findSecretKeyBase({ appDir: join(APPS, "dev61"), env: { SECRET_KEY_BASE: "" } })).toThrow(CredentialsError);
  });

  it("per-environment credentials replace the global ones; RAILS_MASTER_KEY replaces the key file", () => {
    const dir = scratchApp({
      "config/credentials.yml.enc": "credentials80/config/credentials.yml.enc",
      "config/master.key": "credentials80/config/master.key",
      "config/credentials/production.yml.enc": "credentials71prod/config/credentials/production.yml.enc",
      "config/credentials/production.key": "credentials71prod/config/credentials/production.key",
    });
    const prodSecret = findSecretKeyBase({ appDir: join(APPS, "credentials71prod"), environment: "production", env: {} }).secretKeyBase;
    const globalSecret = findSecretKeyBase({ appDir: join(APPS, "credentials80"), environment: "production", env: {} }).secretKeyBase;
    expect(prodSecret).not.toBe(globalSecret);
    expect(findSecretKeyBase({ appDir: dir, environment: "production", env: {} }).secretKeyBase).toBe(prodSecret);
    expect(findSecretKeyBase({ appDir: dir, environment: "staging", env: {} }).secretKeyBase).toBe(globalSecret);
    // Rails 5.2 had no per-environment credentials.
    expect(findSecretKeyBase({ appDir: dir, environment: "production", env: {}, railsVersion: "5.2" }).secretKeyBase).toBe(globalSecret);

    const noKeyFile = scratchApp({ "config/credentials.yml.enc": "credentials80/config/credentials.yml.enc" });
    expect(() => findSecretKeyBase({ appDir: noKeyFile, environment: "production", env: {} })).toThrow(/no secret_key_base/);
    const masterKey = readFileSync(join(APPS, "credentials80/config/master.key"), "utf8");
    const viaEnv = findSecretKeyBase({ appDir: noKeyFile, environment: "production", env: { RAILS_MASTER_KEY: masterKey } });
    expect(viaEnv).toEqual({ secretKeyBase: globalSecret, source: 'config/credentials.yml.enc (key: ENV["RAILS_MASTER_KEY"])' });
    // A wrong key is an error, not a silent fall-through to another source.
    const wrongKey = "0".repeat(32);
    expect(() => findSecretKeyBase({ appDir: noKeyFile, environment: "production", env: { RAILS_MASTER_KEY: wrongKey } })).toThrow(/wrong master key/);
  });

  it("follows each version's order between credentials, local secret, development secret and secrets.yml", () => {
    const dir = scratchApp({
      "config/credentials.yml.enc": "credentials80/config/credentials.yml.enc",
      "config/master.key": "credentials80/config/master.key",
      "tmp/local_secret.txt": "local72/tmp/local_secret.txt",
      "tmp/development_secret.txt": "dev61/tmp/development_secret.txt",
      "config/secrets.yml": { text: 'development:\n  secret_key_base: <%= ENV["DEV_SKB"] %>\nproduction:\n  secret_key_base: from-yml-prod\n' },
    });
    const src = (railsVersion: string | undefined, environment = "development", env: Record<string, string> = {}) =>
      findSecretKeyBase({ appDir: dir, environment, env, ...(railsVersion ? { railsVersion } : {}) }).source;
    expect(() => src("5.1")).toThrow(/no secret_key_base/); // ENV["DEV_SKB"] unset: nil, and 5.1 has nothing else
    expect(src("5.1", "development", { DEV_SKB: "x" })).toBe("config/secrets.yml");
    expect(src("6.1", "development", { DEV_SKB: "x" })).toBe("config/secrets.yml");
    expect(src("6.1")).toBe("tmp/development_secret.txt");
    expect(src("7.0")).toBe("tmp/development_secret.txt");
    expect(src("7.1.2")).toBe("tmp/local_secret.txt");
    expect(src("7.1.6")).toBe("config/credentials.yml.enc (key: config/master.key)");
    expect(src("8.0")).toBe("config/credentials.yml.enc (key: config/master.key)");
    expect(src("6.1", "production")).toBe("config/credentials.yml.enc (key: config/master.key)");
    expect(src("8.0", "production", { SECRET_KEY_BASE_DUMMY: "1" })).toBe("tmp/local_secret.txt");
    expect(src(undefined)).toBe("config/credentials.yml.enc (key: config/master.key)");
    expect(() => src("5.2.1")).toThrow(/CVE-2019-5420/);
  });
});

describe("decryptEncryptedFile and parseCredentials", () => {
  for (const f of ENC_FILES) {
    it(`decrypts ${f.file} (written by Rails ${f.rails}) to YAML with a secret_key_base`, () => {
      const yaml = decryptEncryptedFile(readFileSync(join(APPS, f.file), "latin1"), readFileSync(join(APPS, f.key), "utf8"));
      const creds = parseCredentials(yaml);
      expect(creds["secret_key_base"]).toMatch(/^[0-9a-f]{128}$/);
      expect(Object.getPrototypeOf(creds)).toBeNull();
    });
  }

  it("refuses a wrong key, a malformed key and every tampered character with CredentialsError", () => {
    const f = ENC_FILES[0]!;
    const enc = readFileSync(join(APPS, f.file), "latin1");
    const key = readFileSync(join(APPS, f.key), "utf8").trim();
    const flip = (k: string) => k.slice(0, -1) + (k.endsWith("0") ? "1" : "0");
    for (const badKey of [flip(key), key.slice(2), key + "00", "zz" + key.slice(2), ""]) {
      expect(() => decryptEncryptedFile(enc, badKey)).toThrow(CredentialsError);
    }
    for (let i = 0; i < enc.trim().length; i++) {
      const c = enc[i]!;
      const tampered = enc.slice(0, i) + (c === "A" ? "B" : "A") + enc.slice(i + 1);
      expect(() => decryptEncryptedFile(tampered, key)).toThrow(CredentialsError);
    }
  });

  it("never throws anything but CredentialsError on junk (fast-check)", () => {
    const key = readFileSync(join(APPS, ENC_FILES[0]!.key), "utf8");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9+/=]{0,40}--[A-Za-z0-9+/=]{0,20}--[A-Za-z0-9+/=]{0,30}$/)), (junk) => {
        expect(() => decryptEncryptedFile(junk, key)).toThrow(CredentialsError);
      }),
      { numRuns: 500 },
    );
    for (const y of ["a: [", "- 1\n- 2", "just a string", "a: 1\n  b: 2\n c"]) expect(() => parseCredentials(y)).toThrow(CredentialsError);
    for (const y of ["", "# only a comment\n", "~", "false"]) expect(parseCredentials(y)).toEqual(Object.create(null));
  });

  it("renders only the simple ENV ERB of secrets.yml", () => {
    const env = { A: "1", E: "" };
    expect(renderSecretsErb(`x: <%= ENV["A"] %> <%= ENV['B'] %> <%= ENV.fetch("A") %> <%= ENV.fetch('B', "d") %> <%= ENV["B"] || "f" %> <%= ENV["E"] || "f" %><%# c %>`, env)).toBe("x: 1  1 d f ");
    expect(() => renderSecretsErb('<%= ENV.fetch("B") %>', env)).toThrow(CredentialsError);
    expect(() => renderSecretsErb("<%= `rm -rf /` %>", env)).toThrow(/not supported/);
    expect(() => renderSecretsErb("<% if true %>", env)).toThrow(CredentialsError);
  });
});

// ---- real Ruby -------------------------------------------------------------------------------

function ruby(script: string, input: unknown, env: Record<string, string> = {}): unknown {
  const r = spawnSync("ruby", ["-e", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ruby failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

const RUBY_HEAD = String.raw`
require "json"; require "base64"
require "active_support"; require "active_support/core_ext/hash/keys"
require "active_support/encrypted_configuration"; require "active_support/core_ext/object/blank"
`;

describeNeeding(rails, "against real Ruby / ActiveSupport 6.1.7.10", () => {
  it("ActiveSupport::EncryptedFile and EncryptedConfiguration read the fixtures exactly as we do", () => {
    const script = RUBY_HEAD + String.raw`
      out = JSON.parse(STDIN.read).map do |f|
        c = ActiveSupport::EncryptedConfiguration.new(config_path: f["file"], key_path: f["key"], env_key: "RCC_NO_SUCH_KEY", raise_if_missing_key: true)
        { "read" => Base64.strict_encode64(c.read), "config" => c.config }
      end
      puts JSON.generate(out)`;
    const answers = ruby(script, ENC_FILES.map((f) => ({ file: join(APPS, f.file), key: join(APPS, f.key) }))) as { read: string; config: unknown }[];
    ENC_FILES.forEach((f, i) => {
      const yaml = decryptEncryptedFile(readFileSync(join(APPS, f.file), "latin1"), readFileSync(join(APPS, f.key), "utf8"));
      expect(Buffer.from(yaml, "utf8").toString("base64")).toBe(answers[i]!.read);
      expect(JSON.stringify(parseCredentials(yaml))).toBe(JSON.stringify(answers[i]!.config));
    });
  });

  it("decrypts and parses what ActiveSupport::EncryptedFile writes (fresh key, YAML 1.1 corners, unicode)", () => {
    const yamlTexts = [
      "secret_key_base: abc123\nnested:\n  list: [1, two, 3.5]\n  flag: yes\n  off: no\n  empty:\n",
      "base: &base\n  a: 1\n  b: Zoë 🍪 <b>\nchild:\n  <<: *base\n  b: override\n'quoted key': \"x\\ty\"\n123: numeric key\n",
      "# only comments\n",
      "",
      "multi: |\n  line one\n  line two\nfolded: >\n  a\n  b\nnull_value: ~\noctal: 0o17\n",
    ];
    const dir = join(tmpRoot, "ruby-written");
    mkdirSync(dir, { recursive: true });
    const script = RUBY_HEAD + String.raw`
      dir = ENV.fetch("RCC_DIR")
      out = JSON.parse(STDIN.read).each_with_index.map do |text, i|
        key = ActiveSupport::EncryptedFile.generate_key
        File.write(File.join(dir, "k#{i}"), key)
        f = ActiveSupport::EncryptedFile.new(content_path: File.join(dir, "c#{i}.yml.enc"), key_path: File.join(dir, "k#{i}"), env_key: "RCC_NO_SUCH_KEY", raise_if_missing_key: true)
        f.write(text)
        # EncryptedConfiguration#config of 7.1+/8.0: YAML.unsafe_load(read).presence || {}, symbolized.
        # (6.1's YAML.load is Psych 4's safe_load on Ruby 3.1 and refuses the alias below.)
        config = (YAML.unsafe_load(f.read).presence || {}).deep_symbolize_keys
        { "enc" => File.binread(File.join(dir, "c#{i}.yml.enc")), "key" => key, "config" => config }
      end
      puts JSON.generate(out)`;
    const answers = ruby(script, yamlTexts, { RCC_DIR: dir }) as { enc: string; key: string; config: unknown }[];
    answers.forEach((a, i) => {
      const yaml = decryptEncryptedFile(a.enc, a.key);
      expect(yaml).toBe(yamlTexts[i]);
      expect({ i, json: JSON.stringify(parseCredentials(yaml)) }).toEqual({ i, json: JSON.stringify(a.config) });
    });
  });

  it("Rails::Secrets.parse reads secrets.yml (ERB ENV, shared + environment) as we do", () => {
    const text =
      "shared:\n  api: shared-api\n  secret_key_base: shared-skb\n" +
      'development:\n  secret_key_base: dev-skb\nproduction:\n  secret_key_base: <%= ENV["RCC_SKB"] %>\n  other: <%= ENV.fetch("RCC_OTHER", "dflt") %>\n' +
      'test:\n  secret_key_base: <%= ENV["RCC_UNSET"] || "fallback" %>\n';
    const file = join(tmpRoot, "secrets.yml");
    writeFileSync(file, text);
    const env = { RCC_SKB: "prod-skb-from-env" };
    const script = String.raw`
      require "json"; require "active_support"; require "active_support/core_ext/hash/keys"; require "rails/secrets"
      path = JSON.parse(STDIN.read)
      puts JSON.generate(%w[development production test staging].to_h { |e| [e, Rails::Secrets.parse([path], env: e)] })`;
    const answers = ruby(script, file, env) as Record<string, unknown>;
    for (const environment of ["development", "production", "test", "staging"]) {
      expect(JSON.stringify(parseSecretsYml(text, environment, env))).toBe(JSON.stringify(answers[environment]));
    }
    const dir = scratchApp({ "config/secrets.yml": { text } });
    expect(findSecretKeyBase({ appDir: dir, environment: "production", env, railsVersion: "5.1" })).toEqual({
      secretKeyBase: "prod-skb-from-env",
      source: "config/secrets.yml",
    });
  });

  it("each app's secret decrypts that app's session cookie to what Rails read (Ruby OpenSSL)", () => {
    // PBKDF2 (SHA1 before load_defaults 7.0, SHA256 after; 1000 iterations, salt
    // "authenticated encrypted cookie") and AES-256-GCM, done by Ruby's OpenSSL; spec §1.2–§5.1.
    const script = String.raw`
      require "json"; require "base64"; require "cgi"; require "openssl"
      out = JSON.parse(STDIN.read).map do |q|
        digest = q["defaults"].to_f >= 7.0 ? "sha256" : "sha1"
        key = OpenSSL::PKCS5.pbkdf2_hmac(q["secret"], "authenticated encrypted cookie", 1000, 32, digest)
        ct, iv, tag = CGI.unescape(q["value"]).split("--").map { |p| Base64.strict_decode64(p) }
        c = OpenSSL::Cipher.new("aes-256-gcm").decrypt
        c.key = key; c.iv = iv; c.auth_tag = tag; c.auth_data = ""
        data = JSON.parse(c.update(ct) + c.final)
        data = JSON.parse(Base64.strict_decode64(data["_rails"]["message"])) if data.is_a?(Hash) && data["_rails"]
        data
      rescue => e
        { "error" => e.class.name }
      end
      puts JSON.generate(out)`;
    const queries = apps.map((a) => ({
      defaults: a.defaults,
      value: a.value,
      secret: findSecretKeyBase({ appDir: join(APPS, a.app), environment: ENVIRONMENT[a.app]!, env: {}, railsVersion: a.rails }).secretKeyBase,
    }));
    const answers = ruby(script, queries) as unknown[];
    apps.forEach((a, i) => expect({ app: a.app, session: answers[i] }).toEqual({ app: a.app, session: a.rails_reads }));
  });
});
