/**
 * The built `rails-cookie` CLI (dist/cli.js), run as a user runs it: one process per command.
 *
 * Ground truth is real Rails throughout: the shared vectors (Rails 6.1–8.0) and the rails61 fixtures
 * must decode to `rails_reads`, both with the line's configuration as flags and auto-detected from the
 * secret alone (one line per rails × defaults × serializer × kind × extra group here; every line goes
 * through `detectCookie` in-process in test/detect.test.ts); the real app directories decode through
 * `--app`; and a cookie written by `rails-cookie encode` is read by real Rails 6.1.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { describeLine, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { describeWithRails, railsRead, repoRoot, type RailsConfig } from "./helpers/rails.js";
import { decodeJson } from "../src/serializers/json.js";
import { cliPath, ensureBuiltCli } from "./helpers/cli.js";

const CLI = cliPath;
const NOW = "2026-11-21T00:00:00Z";

beforeAll(ensureBuiltCli, 300_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a clean environment (no inherited SECRET_KEY_BASE, RAILS_MASTER_KEY or NO_COLOR). */
function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A line's configuration as the CLI's flags, in Rails' spelling. */
function flagsOf(line: VectorLine): string[] {
  // secret_token cookies were written by rails-fixture-app through 6.1's MessageVerifier, the code
  // path of 4.2–5.2 (see test/helpers/vectors.ts jarOptionsFor): read them as that version would.
  const rails = line.secret_token ? line.defaults : line.rails;
  const flags = ["--secret-key-base", line.secret_key_base, "--load-defaults", line.defaults, "--rails-version", rails, "--serializer", line.serializer, "--kind", line.kind, "--name", line.name];
  if (line.secret_token) flags.push("--secret-token", line.secret_token);
  for (const [key, value] of Object.entries(line.extra)) flags.push(`--${key.slice(key.indexOf(".") + 1).replace(/_/g, "-")}`, String(value));
  return flags;
}

/** Only what a developer has: the secret(s), and custom salts (PBKDF2 inputs that cannot be guessed). */
function secretFlagsOf(line: VectorLine): string[] {
  const flags = line.secret_key_base ? ["--secret-key-base", line.secret_key_base] : [];
  if (line.secret_token) flags.push("--secret-token", line.secret_token);
  for (const [key, value] of Object.entries(line.extra)) if (key.endsWith("_salt")) flags.push(`--${key.slice(key.indexOf(".") + 1).replace(/_/g, "-")}`, String(value));
  return flags;
}

/** One line per rails × defaults × serializer × kind × extra (× secret_token) group. */
function representatives(lines: VectorLine[]): VectorLine[] {
  const groups = new Map<string, VectorLine>();
  for (const line of lines) {
    const key = groupOf(line);
    const current = groups.get(key);
    // Prefer the richest scenario so the process output carries the most types.
    if (!current || (current.rails_reads === null && line.rails_reads !== null) || line.scenario === "session_ruby_types") groups.set(key, line);
  }
  return [...groups.values()];
}

const shared = loadVectorFile("rails-vectors/vectors.jsonl");
const groupOf = (l: VectorLine) => JSON.stringify([l.rails, l.defaults, l.serializer, l.kind, l.extra, Boolean(l.secret_token)]);
const sharedGroups = new Set(shared.map(groupOf));
// The rails61 fixtures add load_defaults 5.1, secret_token, cookies_digest SHA256 and 5.2 metadata groups.
const rails61 = loadVectorFile("rails61/vectors.jsonl").filter(
  (l) => !("action_dispatch.cookies_rotations" in l.extra) && !/rotated|rails51_cbc/.test(l.scenario) && !sharedGroups.has(groupOf(l)),
);

async function expectDecodes(args: string[], line: VectorLine) {
  const run = await cli(["decode", "--json", "--now", NOW, ...args, line.value]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const out = decodeJson(run.stdout.trim()) as { value: unknown; detected: Record<string, unknown> };
  expect(out.value).toEqual(line.rails_reads);
  return out;
}

describe.concurrent("decode: real Rails cookies through the process, configured by flags and auto-detected", () => {
  for (const line of [...representatives(shared), ...representatives(rails61)]) {
    it(describeLine(line), async () => {
      if (line.rails_reads === null) {
        for (const args of [flagsOf(line), secretFlagsOf(line)]) {
          const run = await cli(["decode", "--now", NOW, ...args, line.value]);
          expect(run.code).toBe(1);
          expect(run.stdout).toBe("");
          expect(run.stderr).toMatch(/^error: expired: .*expired at 2001-/);
        }
        return;
      }
      const configured = await expectDecodes(flagsOf(line), line);
      expect(configured.detected["description"]).toMatch(/^as configured/);
      const detected = await expectDecodes(secretFlagsOf(line), line);
      expect(detected.detected["protection"]).toBe(configured.detected["protection"]);
      expect(detected.detected["serializer"]).toBe(configured.detected["serializer"]);
    });
  }
});

describe.concurrent("the detected flags pin the configuration: decoding with them reads the cookie again", () => {
  const picks = representatives(shared).filter((l) => l.rails_reads !== null && (l.kind !== "signed" || Object.keys(l.extra).length > 0));
  for (const line of picks.filter((_l, i) => i % 8 === 0)) {
    it(describeLine(line), async () => {
      const detected = await expectDecodes(secretFlagsOf(line), line);
      const flags = detected.detected["flags"] as string[];
      expect(flags).toContain("--load-defaults");
      const pinned = await expectDecodes([...secretFlagsOf(line), ...flags], line);
      expect(pinned.detected["description"]).toMatch(/^as configured/);
      expect(pinned.detected["protection"]).toBe(detected.detected["protection"]);
    });
  }
});

describe("--app: the secret from real Rails app directories", () => {
  const apps = readFileSync(resolve(repoRoot, "fixtures/rails-apps/apps.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => decodeJson(l) as { app: string; rails: string; name: string; value: string; rails_reads: unknown });

  it("has the five apps", () => expect(apps.map((a) => a.app).sort()).toEqual(["credentials61", "credentials71prod", "credentials80", "dev61", "local72"]));

  for (const app of apps) {
    it(`${app.app} (Rails ${app.rails})`, async () => {
      const env = app.app === "credentials71prod" ? ["--environment", "production"] : [];
      const run = await cli(["decode", "--json", "--app", `fixtures/rails-apps/${app.app}`, ...env, `${app.name}=${app.value}`]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const out = decodeJson(run.stdout) as { value: unknown; detected: { secret: string; name: string } };
      expect(out.value).toEqual(app.rails_reads);
      expect(out.detected.name).toBe(app.name);
      expect(out.detected.secret).toContain(`fixtures/rails-apps/${app.app}`);
    });
  }

  it("credentials71prod without --environment production has no development secret: exit 2, as without --app", async () => {
    const app = apps.find((a) => a.app === "credentials71prod")!;
    const run = await cli(["decode", "--app", "fixtures/rails-apps/credentials71prod", app.value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: usage: no secret in --app "fixtures\/rails-apps\/credentials71prod": no secret_key_base for the development environment/);
  });

  it("RAILS_MASTER_KEY is honoured (a wrong one fails as Rails would)", async () => {
    const app = apps.find((a) => a.app === "credentials80")!;
    const run = await cli(["decode", "--app", "fixtures/rails-apps/credentials80", app.value], { env: { RAILS_MASTER_KEY: "0".repeat(32) } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: bad_credentials: .*wrong master key/);
  });

  it("$SECRET_KEY_BASE when no --app or --secret-key-base", async () => {
    const line = shared.find((l) => l.scenario === "session_rich" && l.rails.startsWith("7.2"))!;
    const run = await cli(["decode", "--json", line.value], { env: { SECRET_KEY_BASE: line.secret_key_base } });
    expect(run.code).toBe(0);
    expect((decodeJson(run.stdout) as { value: unknown }).value).toEqual(line.rails_reads);
  });

  const generated = resolve(repoRoot, "fixtures/credentials61-generated/cookie.json");
  it.skipIf(!existsSync(generated))("fixtures/credentials61-generated (credentials written by Rails' own EncryptedConfiguration)", async () => {
    const cookie = decodeJson(readFileSync(generated, "utf8")) as { set_cookie: string; rails_reads: unknown };
    const run = await cli(["decode", "--json", "--app", "fixtures/credentials61-generated", `Set-Cookie: ${cookie.set_cookie}`]);
    expect(run.stderr).toBe("");
    expect((decodeJson(run.stdout) as { value: unknown }).value).toEqual(cookie.rails_reads);
  });
});

describe("the bundled example (README's first command)", () => {
  it("fixtures/example/cookie.txt is the credentials80 cookie, byte for byte", () => {
    const apps = readFileSync(resolve(repoRoot, "fixtures/rails-apps/apps.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const app = apps.find((a: { app: string }) => a.app === "credentials80");
    expect(readFileSync(resolve(repoRoot, "fixtures/example/cookie.txt"), "utf8")).toBe(`${app.value}\n`);
  });

  it("decode --app fixtures/rails-apps/credentials80 <cookie> prints what Rails 8.0 read", async () => {
    const apps = readFileSync(resolve(repoRoot, "fixtures/rails-apps/apps.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => decodeJson(l) as { app: string; rails_reads: unknown });
    const cookie = readFileSync(resolve(repoRoot, "fixtures/example/cookie.txt"), "utf8").trim();
    const run = await cli(["decode", "--app", "fixtures/rails-apps/credentials80", cookie]);
    expect(run.code).toBe(0);
    expect(decodeJson(run.stdout.trim())).toEqual(apps.find((a) => a.app === "credentials80")!.rails_reads);
  });

  it("inspect shows format, purpose, expiry, size and Ruby-style value", async () => {
    const cookie = readFileSync(resolve(repoRoot, "fixtures/example/cookie.txt"), "utf8").trim();
    const run = await cli(["inspect", "--app", "fixtures/rails-apps/credentials80", cookie]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("format    Rails 7.0+ defaults: AES-256-GCM, PBKDF2-SHA256, purpose cookie._oracle_session, expires never, JSON");
    expect(run.stdout).toMatch(/size {6}\d+ of 4096 bytes/);
    expect(run.stdout).toContain('"user_id" => 42');
    expect(run.stdout).not.toContain("\u001b[");
  });
});

describe("inspect shows Ruby types as Ruby does", () => {
  it("Symbol, UTC Time with microseconds, Range, binary, big integers (Rails 8.0 marshal cookie)", async () => {
    const line = shared.find((l) => l.scenario === "session_ruby_types" && l.rails.startsWith("8.0") && l.serializer === "marshal")!;
    const run = await cli(["inspect", "--secret-key-base", line.secret_key_base, line.value]);
    expect(run.code).toBe(0);
    const reads = line.rails_reads as Record<string, unknown>;
    expect(run.stdout).toContain(`"sym" => :${reads["sym"]}`);
    // rails_reads shows the Time as ISO-8601 with microseconds; Time#inspect of a UTC Time shows the same.
    const iso = String(reads["at"]).match(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d+)Z$/)!;
    expect(run.stdout).toContain(`"at" => ${iso[1]} ${iso[2]} UTC`);
    expect(run.stdout).toContain(`"range" => ${reads["range"]}`);
    expect(run.stdout).toContain(`"big" => ${String(reads["big"])}`);
    const bin = Buffer.from((reads["bin"] as { $binary: string }).$binary, "base64");
    expect(run.stdout).toContain(`<binary ${bin.length} bytes hex:${bin.toString("hex")} base64:${bin.toString("base64")}>`);
  });
});

describeWithRails("inspect prints Time, Symbol, Range and Integers exactly as Ruby's own #inspect", () => {
  // Ruby inspects the very objects Rails read (rails_reads_marshal); the CLI must print the same text.
  const lines = shared.filter((l) => l.scenario === "session_ruby_types");
  const keys = ["at", "sym", "range", "big", "neg_big", "past_safe"];
  it(`${lines.length} session_ruby_types cookies (marshal and message_pack: a UTC Time and a +0000 one)`, async () => {
    const ruby = spawnSync("ruby", ["-rbase64", "-ractive_support/all", "-e", `STDIN.each_line { |m| h = Marshal.load(Base64.decode64(m)); puts ${JSON.stringify(keys)}.map { |k| h[k].inspect }.join("\t") }`], {
      input: lines.map((l) => l.rails_reads_marshal).join("\n") + "\n",
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(ruby.stderr).toBe("");
    const inspected = ruby.stdout.trim().split("\n").map((row) => row.split("\t"));
    expect(inspected).toHaveLength(lines.length);
    for (const [i, line] of lines.entries()) {
      const run = await cli(["inspect", "--secret-key-base", line.secret_key_base, line.value]);
      expect(run.code).toBe(0);
      keys.forEach((key, k) => expect(run.stdout, `${describeLine(line)} ${key}`).toContain(`"${key}" => ${inspected[i]![k]}`));
    }
  });
});

describe("--json keeps big integers exact, as raw JSON number tokens", () => {
  for (const serializer of ["marshal", "message_pack"]) {
    it(`session_ruby_types, ${serializer}`, async () => {
      const line = shared.find((l) => l.scenario === "session_ruby_types" && l.serializer === serializer && l.rails.startsWith("8.0"))!;
      const out = await expectDecodes(["--secret-key-base", line.secret_key_base], line);
      const reads = line.rails_reads as Record<string, unknown>;
      const run = await cli(["decode", "--json", "--secret-key-base", line.secret_key_base, line.value]);
      for (const key of ["big", "neg_big", "big_odd", "past_safe"]) {
        expect(typeof reads[key]).toBe("bigint");
        expect(run.stdout).toContain(`"${key}":${String(reads[key])}`);
      }
      expect(run.stdout.trim().split("\n")).toHaveLength(1);
      expect(out.detected["serializer"]).toBe(serializer);
    });
  }
});

describe("explain: the most specific true reason, exit 1", () => {
  const gcm = shared.find((l) => l.rails.startsWith("8.0") && l.defaults === "8.0" && l.kind === "encrypted" && l.scenario === "encrypted_plain" && Object.keys(l.extra).length === 0)!;
  const signed = shared.find((l) => l.rails.startsWith("7.0") && l.kind === "signed" && l.scenario === "signed_int" && l.defaults === "7.0" && Object.keys(l.extra).length === 0)!;

  for (const line of shared.filter((l) => l.scenario === "encrypted_expired")) {
    it(`expired: ${describeLine(line)}`, async () => {
      const run = await cli(["explain", "--now", NOW, ...secretFlagsOf(line), line.value]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^expired: it authenticated .* it expired at 2001-/);
      expect(run.stderr).toBe("error: expired\n");
    });
  }

  it("wrong_purpose for a cookie renamed, naming the purpose found", async () => {
    const run = await cli(["explain", "--secret-key-base", gcm.secret_key_base, `renamed=${gcm.value}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`wrong_purpose: `);
    expect(run.stdout).toContain(`"cookie.${gcm.name}"`);
    expect(run.stdout).toContain(`found: protection AES-256-GCM, purpose cookie.${gcm.name}`);
  });

  it("bad_tag / bad_signature for a wrong secret, listing what was tried", async () => {
    const gcmRun = await cli(["explain", "--secret-key-base", "f".repeat(128), gcm.value]);
    expect(gcmRun.code).toBe(1);
    expect(gcmRun.stdout).toMatch(/^bad_tag: authentication failed/);
    expect(gcmRun.stdout).toContain("  - AES-256-GCM, PBKDF2-SHA256, default salts");
    const signedRun = await cli(["explain", "--secret-key-base", "f".repeat(128), signed.value]);
    expect(signedRun.code).toBe(1);
    expect(signedRun.stdout).toMatch(/^bad_signature: authentication failed/);
    const decodeRun = await cli(["decode", "--secret-key-base", "f".repeat(128), gcm.value]);
    expect(decodeRun.code).toBe(1);
    expect(decodeRun.stderr).toMatch(/^error: bad_tag: authentication failed/);
  });

  it("bad_tag with settings of another app (load_defaults 6.1 for a Rails 8.0 cookie), saying the secret alone opens it", async () => {
    const run = await cli(["explain", "--load-defaults", "6.1", "--secret-key-base", gcm.secret_key_base, gcm.value]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^bad_tag: authentication failed with the settings given .* but the same secret opens it as AES-256-GCM, PBKDF2-SHA256/);
  });

  it("bad_format for junk", async () => {
    const run = await cli(["explain", "--secret-key-base", "f".repeat(128), "not-a-cookie"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^bad_format: not a Rails cookie: it contains no -- separator/);
  });

  it("--json gives one object; a decodable cookie exits 0", async () => {
    const bad = await cli(["explain", "--json", "--secret-key-base", "f".repeat(128), gcm.value]);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, code: "bad_tag" });
    const good = await cli(["explain", "--secret-key-base", gcm.secret_key_base, gcm.value]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^decodes: Rails 7\.0\+ defaults: AES-256-GCM/);
  });
});

describe("input forms: value, name=value, Cookie header, Set-Cookie lines, stdin", () => {
  const line = shared.find((l) => l.rails.startsWith("7.1") && l.kind === "session" && l.scenario === "session_rich" && l.defaults === "7.1" && l.serializer === "json" && Object.keys(l.extra).length === 0)!;
  const other = shared.find((l) => l.rails.startsWith("7.1") && l.kind === "signed" && l.defaults === "7.1" && l.serializer === "json" && Object.keys(l.extra).length === 0)!;
  const skb = ["--secret-key-base", line.secret_key_base];

  const forms: [string, string, string[]][] = [
    ["escaped value", line.value, []],
    ["unescaped value", decodeURIComponent(line.value), []],
    ["name=value", `${line.name}=${line.value}`, []],
    ["Cookie header, picks the *_session cookie", `Cookie: ${other.name}=${other.value}; ${line.name}=${line.value}; theme=dark`, []],
    ["Set-Cookie line", line.set_cookie!, []],
  ];
  for (const [what, input, extra] of forms) {
    it(what, async () => {
      const run = await cli(["decode", "--json", ...skb, ...extra, input]);
      expect(run.stderr).toBe("");
      expect((decodeJson(run.stdout) as { value: unknown }).value).toEqual(line.rails_reads);
    });
  }

  it("stdin with - (curl -i headers), --name picks", async () => {
    const headers = `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: ${other.set_cookie}\r\nSet-Cookie: ${line.set_cookie}\r\n`;
    const run = await cli(["decode", "--json", ...skb, "--name", other.name, "-"], { input: headers });
    expect(run.stderr).toBe("");
    expect((decodeJson(run.stdout) as { value: unknown }).value).toEqual(other.rails_reads);
  });

  it("several cookies and none ending in _session: usage error naming them", async () => {
    const run = await cli(["decode", ...skb, `a=1; ${other.name}=${other.value}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: usage: the input holds 2 cookies \("a", "uid"\); choose one with --name/);
  });
});

describe("exit codes and usage", () => {
  const line = shared[0]!;
  const cases: [string, string[], RegExp][] = [
    ["unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["unknown flag", ["decode", "--frob", "x"], /Unknown option '--frob'/],
    ["no cookie", ["decode", "--secret-key-base", "x"], /no cookie given/],
    ["no secret", ["decode", line.value], /no secret: pass --secret-key-base/],
    ["bad --kind", ["decode", "--kind", "cookie", "--secret-key-base", "x", line.value], /--kind must be one of session, encrypted, signed/],
    ["bad --load-defaults", ["decode", "--load-defaults", "9.9", "--secret-key-base", "x", line.value], /--load-defaults must be one of/],
    ["bad --now", ["decode", "--now", "yesterday", "--secret-key-base", "x", line.value], /--now must be an ISO-8601 date/],
    ["encode without --load-defaults", ["encode", "--secret-key-base", "x", "--name", "a", "--json", "1"], /encode needs --load-defaults/],
    ["encode without --name", ["encode", "--secret-key-base", "x", "--load-defaults", "7.1", "--json", "1"], /encode needs --name/],
    ["encode with invalid JSON", ["encode", "--secret-key-base", "x", "--load-defaults", "7.1", "--name", "a", "--json", "{oops"], /not valid JSON/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2`, async () => {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^error: usage: /);
      expect(run.stderr).toMatch(message);
    });
  }

  for (const command of ["decode", "inspect", "explain", "encode"]) {
    it(`${command} --help: exit 0, with examples`, async () => {
      const run = await cli([command, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: rails-cookie ${command}`));
      expect(run.stdout).toContain("Examples:");
    });
  }

  it("one configuration tried is said in the singular", async () => {
    const l = shared.find((x) => x.kind === "encrypted" && x.rails_reads !== null)!;
    const pinned = ["--load-defaults", l.defaults, "--rails-version", l.rails, "--kind", l.kind, "--name", l.name, "--serializer", l.serializer];
    const run = await cli(["decode", "--secret-key-base", "f".repeat(128), ...pinned, l.value]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the one configuration tried does not open it");
    expect(run.stderr).toContain("(rails-cookie explain lists the configuration tried)");
  });

  it("--version (and -v) prints the package's version, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(resolve(repoRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const run = await cli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`rails-cookie ${version}\n`);
    }
  });

  it("a file named where the cookie goes: a usage error pointing to `- < file` and @file", async () => {
    const run = await cli(["decode", "--secret-key-base", "x", "fixtures/example/cookie.txt"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is a file, not a cookie: pass its content with `- < fixtures/example/cookie.txt` or `@fixtures/example/cookie.txt`");
  });

  it("@file reads the cookie from the file; a directory or a missing file is a usage error", async () => {
    const run = await cli(["decode", "--app", "fixtures/rails-apps/credentials80", "@fixtures/example/cookie.txt"]);
    expect(run.code).toBe(0);
    const viaStdin = await cli(["decode", "--app", "fixtures/rails-apps/credentials80", "-"], { input: readFileSync(resolve(repoRoot, "fixtures/example/cookie.txt"), "utf8") });
    expect(run.stdout).toBe(viaStdin.stdout);
    for (const [arg, why] of [["@fixtures", "not a regular file"], ["@fixtures/no-such-cookie.txt", "no such file"]]) {
      const bad = await cli(["decode", "--secret-key-base", "x", arg!]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(why);
    }
  });

  it("rails-cookie --help lists the commands; no arguments is a usage error", async () => {
    expect((await cli(["--help"])).stdout).toMatch(/decode .*\n.*inspect .*\n.*explain .*\n.*encode /);
    expect((await cli([])).code).toBe(2);
  });
});

describe("colour: only on a terminal, never with NO_COLOR", () => {
  const line = shared.find((l) => l.rails.startsWith("8.0") && l.kind === "session" && l.serializer === "json")!;
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  /** Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout.isTTY is true. */
  const onTty = (env: Record<string, string>) => {
    const command = [process.execPath, CLI, "inspect", "--secret-key-base", line.secret_key_base, line.value].map(quote).join(" ");
    return spawnSync("script", ["-qec", command, "/dev/null"], { cwd: repoRoot, encoding: "utf8", env: { PATH: process.env.PATH ?? "", TERM: "xterm", ...env }, timeout: 30_000 });
  };

  if (!hasScript && process.env.CI === "true") {
    it("needs util-linux script for a pseudo-terminal", () => {
      throw new Error("`script` (util-linux) is missing: colour on a terminal cannot be tested");
    });
  } else if (!hasScript) {
    console.warn("\n⚠️  SKIPPED colour-on-a-terminal tests: `script` (util-linux) is not installed\n");
  }

  it.skipIf(!hasScript)("a terminal gets colour", () => {
    const run = onTty({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("\u001b[");
    expect(run.stdout).toContain("_oracle_session");
  });

  it.skipIf(!hasScript)("NO_COLOR=1 on a terminal: none", () => {
    const run = onTty({ NO_COLOR: "1" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("_oracle_session");
    expect(run.stdout).not.toContain("\u001b[");
  });

  it("a pipe: none", async () => {
    const run = await cli(["inspect", "--secret-key-base", line.secret_key_base, line.value]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("\u001b[");
  });
});

describe("encode → decode round trip", () => {
  const skb = "a".repeat(64) + "b".repeat(64);
  const value = '{"user_id":42,"big":123456789012345678901234567890,"name":"Zoë <b>","list":[1,2.5,null,true]}';
  const cases: [string, string[]][] = [
    ["session, load_defaults 8.0", ["--load-defaults", "8.0", "--name", "_app_session"]],
    ["signed, load_defaults 6.1", ["--load-defaults", "6.1", "--kind", "signed", "--name", "uid"]],
    ["encrypted CBC, load_defaults 5.0", ["--load-defaults", "5.0", "--name", "prefs"]],
    ["encrypted, message_pack, load_defaults 7.1", ["--load-defaults", "7.1", "--serializer", "message_pack", "--name", "cart"]],
    ["encrypted, marshal, load_defaults 7.0", ["--load-defaults", "7.0", "--serializer", "marshal", "--name", "cart"]],
  ];
  for (const [what, flags] of cases) {
    it(what, async () => {
      const encoded = await cli(["encode", "--secret-key-base", skb, ...flags, "--json", value]);
      const name = flags[flags.indexOf("--name") + 1]!;
      const session = name.endsWith("_session");
      // A session gets the session_id Rails needs (Rack's extract_session_id), and says so.
      expect(encoded.stderr).toBe(session ? 'note: added "session_id" (Rails reads a session cookie without one as empty)\n' : "");
      expect(encoded.code).toBe(0);
      const cookie = encoded.stdout.trim();
      expect(cookie).toMatch(/^[A-Za-z0-9*\-._%]+$/); // escaped as in Set-Cookie
      const decoded = await cli(["decode", "--json", "--secret-key-base", skb, `${name}=${cookie}`]);
      expect(decoded.stderr).toBe("");
      const expected = decodeJson(value) as Record<string, unknown>;
      expect((decodeJson(decoded.stdout) as { value: unknown }).value).toEqual(session ? { ...expected, session_id: expect.stringMatching(/^[0-9a-f]{32}$/) } : expected);
      expect(decoded.stdout).toContain('"big":123456789012345678901234567890');
    });
  }

  it("--json - reads the value from stdin; --expires puts the expiry in the envelope", async () => {
    const encoded = await cli(["encode", "--secret-key-base", skb, "--load-defaults", "7.1", "--name", "prefs", "--now", NOW, "--expires", "3600", "--json", "-"], { input: '{"lang":"fr"}\n' });
    expect(encoded.code).toBe(0);
    const ok = await cli(["decode", "--json", "--now", NOW, "--secret-key-base", skb, `prefs=${encoded.stdout.trim()}`]);
    expect(JSON.parse(ok.stdout).detected.expiresAt).toBe("2026-11-21T01:00:00.000Z");
    const late = await cli(["explain", "--now", "2026-11-21T01:00:00Z", "--secret-key-base", skb, `prefs=${encoded.stdout.trim()}`]);
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(/^expired: .*expired at 2026-11-21T01:00:00\.000Z/);
  });

  it("a value over 4096 bytes: exit 1, cookie_overflow", async () => {
    const run = await cli(["encode", "--secret-key-base", skb, "--load-defaults", "7.1", "--name", "big", "--json", JSON.stringify("x".repeat(5000))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: cookie_overflow: big cookie overflowed with size \d+ bytes/);
  });
});

describeWithRails("a cookie made by rails-cookie encode is read by real Rails 6.1", () => {
  const skb = "0123456789abcdef".repeat(8);
  for (const serializer of ["json", "marshal"]) {
    it(`load_defaults 6.1, ${serializer}: session, encrypted and signed`, async () => {
      const config: RailsConfig = { defaults: "6.1", serializer, secret_key_base: skb, session_key: "_oracle_session", expire_after: null, extra: {} };
      const items: { kind: "session" | "encrypted" | "signed"; name: string; json: string }[] = [
        { kind: "session", name: "_oracle_session", json: '{"user_id":42,"big":123456789012345678901234567890,"name":"Zoë <b>"}' },
        { kind: "encrypted", name: "prefs", json: '{"lang":"fr","n":[1,2.5,null]}' },
        { kind: "signed", name: "uid", json: "1234" },
      ];
      const cookies = [];
      for (const item of items) {
        const run = await cli(["encode", "--secret-key-base", skb, "--load-defaults", "6.1", "--serializer", serializer, "--kind", item.kind, "--name", item.name, "--json", item.json]);
        expect(run.code).toBe(0);
        cookies.push({ kind: item.kind, name: item.name, value: run.stdout.trim() });
      }
      const read = await railsRead(config, cookies);
      items.forEach((item, i) => {
        const reads = read[i]!.rails_reads as Record<string, unknown>;
        const expected = decodeJson(item.json);
        if (item.kind === "session") {
          // encode added the session_id Rails needs to load a session (Rack's extract_session_id).
          expect(reads["session_id"]).toMatch(/^[0-9a-f]{32}$/);
          expect(reads).toEqual({ ...(expected as Record<string, unknown>), session_id: reads["session_id"] });
        } else {
          expect(reads).toEqual(expected);
        }
      });
    });
  }
});
