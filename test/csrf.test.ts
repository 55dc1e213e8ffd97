/**
 * CSRF tokens (src/rails/csrf.ts) against real Rails:
 * - every `session_csrf` line of the shared vectors (Rails 6.1.7.10, 7.0.10, 7.1.6, 7.2.3, 8.0.5
 *   wrote the session and the masked token) validates, and no single-character change does;
 * - real Rails 6.1.7.10 (`ActionController::Base#valid_authenticity_token?`, run with `ruby`)
 *   accepts the tokens we mint under 5.x / 6.0 / 6.1 defaults and refuses tampered ones, and mints
 *   per-form tokens we accept;
 * - our base64 decoding refuses and accepts exactly what Ruby's `Base64` does.
 */
import { loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { spawnSync } from "node:child_process";
import { describeNeeding, rails } from "./helpers/needs.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  formAuthenticityToken,
  strictDecode64,
  urlsafeDecode64,
  validAuthenticityToken,
} from "../src/rails/csrf.js";

/** A Rails session as `session.to_hash` gives it. */
type Session = Record<string, unknown>;

// ---- shared vectors -------------------------------------------------------------------------

type Vector = VectorLine & { rails_reads: Record<string, unknown> | null };

const loadVectors = () => loadVectorFile("rails-vectors/vectors.jsonl") as Vector[];

const csrfVectors = loadVectors().filter((v) => v.scenario === "session_csrf");

function sessionOf(v: Vector): Session {
  return Object.assign(Object.create(null) as Session, v.rails_reads);
}

const describeVector = (v: Vector) =>
  `rails ${v.rails}, defaults ${v.defaults}, serializer ${v.serializer}, scenario ${v.scenario}` +
  (Object.keys(v.extra).length ? `, extra ${JSON.stringify(v.extra)}` : "");

/** A different character of the same base64 flavour that does not decode to the same 6 bits. */
function otherChar(c: string, urlsafe: boolean): string {
  const alphabet = urlsafe
    ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (c === "=") return "A";
  const i = alphabet.indexOf(c);
  return alphabet[(i + 1) % 64]!;
}

function tamperAll(token: string): string[] {
  const urlsafe = /[-_]/.test(token) || !/[+/=]/.test(token);
  return [...token].map((c, i) => token.slice(0, i) + otherChar(c, urlsafe) + token.slice(i + 1));
}

describe("session_csrf vectors written by real Rails", () => {
  it("has vectors for every Rails version", () => {
    expect(new Set(csrfVectors.map((v) => v.rails))).toEqual(
      new Set(["6.1.7.10", "7.0.10", "7.1.6", "7.2.3", "8.0.5"]),
    );
  });

  for (const v of csrfVectors) {
    it(`accepts the token and refuses every one-character change: ${describeVector(v)}`, () => {
      const session = sessionOf(v);
      const token = v.csrf_token!;
      expect(validAuthenticityToken(session, token)).toBe(true);
      expect(validAuthenticityToken(session, token, { railsVersion: v.rails })).toBe(true);
      for (const bad of tamperAll(token)) expect(validAuthenticityToken(session, bad)).toBe(false);
      // Also refused: the token against another session, truncated, or padded with junk.
      expect(validAuthenticityToken(session, token.slice(0, -1))).toBe(false);
      expect(validAuthenticityToken(session, token + "A")).toBe(false);
      expect(validAuthenticityToken(session, token + "\n")).toBe(false);
      const other = csrfVectors.find((w) => w !== v)!;
      expect(validAuthenticityToken(sessionOf(other), token)).toBe(false);
    });

    it(`mints session and masked tokens shaped like Rails': ${describeVector(v)}`, () => {
      // What Rails wrote, classified: length, alphabet, padding.
      const shape = (s: string) => `${s.length}:${/[-_]/.test(s) ? "url" : /[+/]/.test(s) ? "std" : "?"}:${s.endsWith("=")}`;
      const railsSessionToken = v.rails_reads!["_csrf_token"] as string;
      const urlsafe = Number(v.defaults) >= 6.1;
      // Draw until both alphabets' distinguishing characters appear, so the shape is comparable.
      for (let attempt = 0; attempt < 50; attempt++) {
        const session = Object.create(null) as Session;
        const masked = formAuthenticityToken(session, { railsVersion: v.rails, urlsafeCsrfTokens: urlsafe });
        const mine = session["_csrf_token"] as string;
        if (shape(mine).includes("?") || shape(masked).includes("?")) continue;
        if (shape(railsSessionToken).includes("?") || shape(v.csrf_token!).includes("?")) return;
        expect(shape(mine)).toBe(shape(railsSessionToken));
        expect(shape(masked)).toBe(shape(v.csrf_token!));
        return;
      }
      throw new Error("never drew a token with a distinguishing character");
    });
  }
});

describe("formAuthenticityToken / validAuthenticityToken", () => {
  it("round-trips for every version and setting, per-form too (fast-check)", () => {
    const versions = ["5.0", "5.1", "5.2", "5.2.4.2", "6.0", "6.0.3", "6.1", "7.0", "7.1", "7.2", "8.0"];
    fc.assert(
      fc.property(
        fc.constantFrom(...versions),
        fc.boolean(),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.option(fc.record({ action: fc.constantFrom("/posts", "/posts/1/", "https://x.test/a?b=c"), method: fc.constantFrom("post", "PATCH", "delete") })),
        (railsVersion, urlsafeCsrfTokens, seed, formOptions) => {
          let offset = 0;
          const random = (n: number) => seed.slice(offset, (offset += n));
          const session = Object.create(null) as Session;
          const token = formAuthenticityToken(session, {
            railsVersion,
            urlsafeCsrfTokens,
            randomBytes: random,
            ...(formOptions ? { formOptions } : {}),
          });
          const check = formOptions ? { formOptions } : {};
          expect(validAuthenticityToken(session, token, check)).toBe(true);
          expect(validAuthenticityToken(session, token, { ...check, railsVersion })).toBe(true);
          if (formOptions) {
            // A per-form token is not valid for another form.
            expect(validAuthenticityToken(session, token)).toBe(false);
            expect(validAuthenticityToken(session, token, { formOptions: { action: "/elsewhere", method: "post" } })).toBe(false);
          }
          // Minting again reuses the session's real token.
          const again = formAuthenticityToken(session, { railsVersion, urlsafeCsrfTokens });
          expect(validAuthenticityToken(session, again)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("any single changed character is refused (fast-check)", () => {
    fc.assert(
      fc.property(fc.constantFrom("5.2", "6.1", "7.1"), fc.boolean(), fc.nat(), (railsVersion, urlsafeCsrfTokens, pos) => {
        const session = Object.create(null) as Session;
        const token = formAuthenticityToken(session, { railsVersion, urlsafeCsrfTokens });
        const all = tamperAll(token);
        expect(validAuthenticityToken(session, all[pos % all.length]!)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("random strings and values never throw and never validate (fast-check)", () => {
    const session = Object.create(null) as Session;
    formAuthenticityToken(session);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.string({ unit: fc.constantFrom(..."ABCDEFabcdef0123456789+/-_=".split("")), minLength: 40, maxLength: 90 }),
          fc.uint8Array({ minLength: 32, maxLength: 64 }).map((b) => Buffer.from(b).toString("base64")),
          fc.anything(),
        ),
        (junk) => {
          expect(validAuthenticityToken(session, junk)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("never throws on a broken session, and refuses", () => {
    for (const stored of [undefined, null, 42, "", "not base64!", "QQ==", ["x"]]) {
      const session = Object.assign(Object.create(null) as Session, { _csrf_token: stored });
      expect(validAuthenticityToken(session, "QUJD")).toBe(false);
    }
    expect(validAuthenticityToken(Object.create(null) as Session, "QUJD", { railsVersion: "banana" })).toBe(false);
  });

  it("accepts the raw 32-byte token (pre-masking form), in either alphabet, and refuses it tampered", () => {
    const session = Object.create(null) as Session;
    formAuthenticityToken(session, { railsVersion: "5.2" });
    const raw = session["_csrf_token"] as string;
    expect(raw).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(validAuthenticityToken(session, raw)).toBe(true);
    const urlsafe = raw.replace(/\+/g, "-").replace(/\//g, "_").replace(/=$/, "");
    expect(validAuthenticityToken(session, urlsafe)).toBe(true);
    // Rails before 6.1 decodes only strict standard base64.
    if (urlsafe !== raw.replace(/=$/, "")) expect(validAuthenticityToken(session, urlsafe, { railsVersion: "6.0" })).toBe(false);
    for (const bad of tamperAll(raw)) expect(validAuthenticityToken(session, bad)).toBe(false);
  });

  it("refuses a bad existing session token when minting with a typed error", () => {
    const session = Object.assign(Object.create(null) as Session, { _csrf_token: "%%%" });
    expect(() => formAuthenticityToken(session)).toThrow(expect.objectContaining({ code: "bad_payload" }));
    expect(() => formAuthenticityToken(Object.create(null) as Session, { railsVersion: "x" })).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
  });
});

// ---- real Ruby / Rails 6.1 -------------------------------------------------------------------

function runRuby(script: string, lines: unknown[]): unknown[] {
  const r = spawnSync("ruby", ["-e", script], {
    input: lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ruby failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown);
}

/** Asks the real `valid_authenticity_token?` / `form_authenticity_token` of actionpack 6.1. */
const RAILS_CSRF = String.raw`
require "json"
require "action_controller"
def controller_for(urlsafe, per_form, path, method)
  klass = Class.new(ActionController::Base)
  klass.urlsafe_csrf_tokens = urlsafe
  klass.per_form_csrf_tokens = per_form
  c = klass.new
  c.set_request!(ActionDispatch::Request.new(Rack::MockRequest.env_for(path, method: method)))
  c
end
STDIN.each_line do |line|
  q = JSON.parse(line)
  c = controller_for(q["urlsafe"], q["per_form"], q["path"] || "/", q["method"] || "POST")
  # Rails reads session[:_csrf_token]; a session object answers Symbol and String keys alike.
  session = ActiveSupport::HashWithIndifferentAccess.new(q["session"])
  out = {}
  if q["op"] == "valid"
    out["valid"] = c.send(:valid_authenticity_token?, session, q["token"])
  else
    fo = q["form_options"] ? { action: q["form_options"]["action"], method: q["form_options"]["method"] } : {}
    c.define_singleton_method(:session) { session }
    out["token"] = c.send(:form_authenticity_token, form_options: fo)
    out["session"] = session.to_hash
  end
  puts JSON.generate(out)
rescue => e
  puts JSON.generate({ "error" => "#{e.class}: #{e.message}" })
end
`;

describeNeeding(rails, "real Rails 6.1.7.10 (ruby)", () => {
  it("is Rails 6.1", () => {
    const r = spawnSync("ruby", ["-e", 'require "action_pack"; print ActionPack::VERSION::STRING'], { encoding: "utf8" });
    expect(r.stdout).toMatch(/^6\.1\./);
  });

  it("accepts tokens we mint under 5.x, 6.0 and 6.1 defaults (global and per-form) and refuses tampered ones", () => {
    // load_defaults 5.0–6.0: urlsafe_csrf_tokens false, per_form_csrf_tokens true; 6.1: both true.
    const cases: { name: string; opts: Parameters<typeof formAuthenticityToken>[1]; urlsafe: boolean }[] = [
      { name: "5.2 app (strict base64)", opts: { railsVersion: "5.2" }, urlsafe: false },
      { name: "6.0 app", opts: { railsVersion: "6.0" }, urlsafe: false },
      { name: "6.1 with 5.x defaults", opts: { railsVersion: "6.1", urlsafeCsrfTokens: false }, urlsafe: false },
      { name: "6.1 with 6.1 defaults", opts: { railsVersion: "6.1", urlsafeCsrfTokens: true }, urlsafe: true },
      { name: "7.1 format read by 6.1 (urlsafe on)", opts: { railsVersion: "7.1" }, urlsafe: true },
    ];
    const queries: Record<string, unknown>[] = [];
    const expected: boolean[] = [];
    const labels: string[] = [];
    for (const c of cases) {
      for (let i = 0; i < 8; i++) {
        const perForm = i % 2 === 1;
        const formOptions = perForm ? { action: "/posts/7/", method: "PATCH" } : undefined;
        const session = Object.create(null) as Session;
        const token = formAuthenticityToken(session, { ...c.opts, ...(formOptions ? { formOptions } : {}) });
        const base = { op: "valid", urlsafe: c.urlsafe, per_form: true, session: { ...session }, path: "/posts/7", method: "PATCH" };
        queries.push({ ...base, token });
        expected.push(true);
        labels.push(`${c.name} #${i} ${token}`);
        const bad = tamperAll(token);
        for (const t of [bad[i]!, bad[bad.length - 1]!, bad[40]!]) {
          queries.push({ ...base, token: t });
          expected.push(false);
          labels.push(`${c.name} #${i} tampered ${t}`);
        }
        if (perForm) {
          // Per-form token posted to another path: refused by Rails and by us.
          queries.push({ ...base, token, path: "/posts/8" });
          expected.push(false);
          labels.push(`${c.name} #${i} wrong form`);
          expect(validAuthenticityToken(session, token, { formOptions: { action: "/posts/8", method: "PATCH" } })).toBe(false);
        }
      }
    }
    const answers = runRuby(RAILS_CSRF, queries) as { valid?: boolean; error?: string }[];
    answers.forEach((a, i) => expect({ label: labels[i], ...a }).toEqual({ label: labels[i], valid: expected[i] }));
  });

  it("Rails mints tokens (global and per-form, both settings) that we accept, and refuse tampered", () => {
    const queries: Record<string, unknown>[] = [];
    for (const urlsafe of [false, true]) {
      for (let i = 0; i < 4; i++) {
        queries.push({ op: "mint", urlsafe, per_form: true, session: {} });
        queries.push({ op: "mint", urlsafe, per_form: true, session: {}, form_options: { action: "https://app.test/comments/3/?x=1", method: "DELETE" } });
      }
    }
    const answers = runRuby(RAILS_CSRF, queries) as { token: string; session: Session }[];
    answers.forEach((a, i) => {
      const q = queries[i]!;
      const session = Object.assign(Object.create(null) as Session, a.session);
      const stored = session["_csrf_token"] as string;
      // Rails 6.1 writes 44 characters in both settings (urlsafe keeps its padding, spec §2).
      expect(stored).toMatch(q["urlsafe"] ? /^[A-Za-z0-9_-]{43}=$/ : /^[A-Za-z0-9+/]{43}=$/);
      if (q["form_options"]) {
        expect(validAuthenticityToken(session, a.token, { formOptions: { action: "/comments/3", method: "delete" } })).toBe(true);
        expect(validAuthenticityToken(session, a.token)).toBe(false);
      } else {
        expect(validAuthenticityToken(session, a.token)).toBe(true);
        expect(validAuthenticityToken(session, a.token, { railsVersion: q["urlsafe"] ? "6.1" : "6.0" })).toBe(true);
      }
      for (const bad of tamperAll(a.token)) expect(validAuthenticityToken(session, bad)).toBe(false);
    });
  });

  it("decodes base64 exactly as Ruby's Base64.strict_decode64 and urlsafe_decode64", () => {
    const samples = fc.sample(
      fc.string({ unit: fc.constantFrom(..."AQgwBb9+/-_= \n".split("")), maxLength: 10 }),
      { numRuns: 1500, seed: 42 },
    );
    samples.push("", "QQ==", "QR==", "QQ=", "QQ", "QUI=", "QUJ=", "QUJD", "Q===", "Q", "-_8", "+_8=", "QQ=A");
    const script = String.raw`
require "json"; require "base64"
STDIN.each_line do |l|
  s = JSON.parse(l)
  r = {}
  { "strict" => :strict_decode64, "urlsafe" => :urlsafe_decode64 }.each do |k, m|
    r[k] = begin; Base64.public_send(m, s).unpack1("H*"); rescue ArgumentError; nil; end
  end
  puts JSON.generate(r)
end`;
    const answers = runRuby(script, samples) as { strict: string | null; urlsafe: string | null }[];
    const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("hex"));
    answers.forEach((a, i) => {
      const s = samples[i]!;
      expect({ s, strict: hex(strictDecode64(s)), urlsafe: hex(urlsafeDecode64(s)) }).toEqual({ s, ...a });
    });
  });
});
