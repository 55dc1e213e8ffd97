/**
 * Cookies our codec writes are read by real Rails 6.1.7.10 (rails-fixture-app) to exactly what we
 * wrote: every load_defaults 5.0–6.1 × serializer × kind, plus the settings apps change (CBC under
 * 5.2+, custom salts, digests, metadata off, session expire_after), and expiry is enforced by Rails.
 *
 * Each configuration is written twice: for an app running exactly its load_defaults version, and for
 * a Rails 6.1 app still on those defaults (`railsVersion: "6.1"`); Rails 6.1 must read both.
 */
import { describe, expect, it } from "vitest";
import { CookieJar, RubySymbol, RubyTime, marshalDump, type CookieJarOptions } from "../src/index.js";
import { describeWithRails, railsRead, type RailsConfig } from "./helpers/rails.js";
import { pinnedNow } from "./helpers/clock.js";
import { asRailsReads } from "./helpers/vectors.js";

const SESSION_KEY = "_oracle_session";
const secretKeyBase = (seed: string) => (seed.replace(/[^0-9a-f]/g, "") + "0123456789abcdef".repeat(8)).slice(0, 128);

interface Case {
  defaults: "5.0" | "5.1" | "5.2" | "6.0" | "6.1";
  serializer: "json" | "marshal" | "hybrid";
  extra: Record<string, unknown>;
  expireAfter?: number;
}

const cases: Case[] = [];
for (const defaults of ["5.0", "5.1", "5.2", "6.0", "6.1"] as const)
  for (const serializer of ["json", "marshal", "hybrid"] as const) cases.push({ defaults, serializer, extra: {} });
cases.push(
  { defaults: "5.1", serializer: "json", extra: { "action_dispatch.cookies_digest": "SHA256" } },
  { defaults: "6.1", serializer: "json", extra: { "action_dispatch.use_authenticated_cookie_encryption": false } },
  { defaults: "5.2", serializer: "marshal", extra: { "action_dispatch.use_authenticated_cookie_encryption": false } },
  { defaults: "6.1", serializer: "json", extra: { "action_dispatch.signed_cookie_digest": "SHA256" } },
  { defaults: "6.0", serializer: "json", extra: { "action_dispatch.use_cookies_with_metadata": false } },
  {
    defaults: "6.1",
    serializer: "marshal",
    extra: {
      "action_dispatch.authenticated_encrypted_cookie_salt": "custom enc salt",
      "action_dispatch.encrypted_cookie_salt": "custom cbc salt",
      "action_dispatch.encrypted_signed_cookie_salt": "custom cbc sign salt",
      "action_dispatch.signed_cookie_salt": "custom signed salt",
    },
  },
  { defaults: "6.1", serializer: "json", extra: {}, expireAfter: 3600 },
  { defaults: "5.2", serializer: "marshal", extra: {}, expireAfter: 3600 },
);

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function jarOptions(c: Case, secret: string, railsVersion: string): CookieJarOptions {
  const options: Record<string, unknown> = { secretKeyBase: secret, loadDefaults: c.defaults, railsVersion, cookiesSerializer: c.serializer, now: pinnedNow };
  for (const [key, value] of Object.entries(c.extra)) options[camel(key.split(".")[1]!)] = value;
  return options as CookieJarOptions;
}

/** A session like a Devise app's, with the Ruby types Marshal can carry when the serializer is Marshal. */
function sessionValue(c: Case): Record<string, unknown> {
  const session: Record<string, unknown> = {
    session_id: "0123456789abcdef0123456789abcdef",
    user_id: 42,
    name: "Zoë 🍪 <b>&amp;",
    count: 2 ** 40,
    ratio: 0.1,
    flags: [true, false, null],
    nested: { a: [1, "two", { three: 3.5 }], empty: {} },
    "warden.user.user.key": [[7], "$2a$12$abcdefghijklmnopqrstuv"],
    flash: { discard: [], flashes: { notice: "Signed in from Node" } },
  };
  if (c.serializer === "marshal") {
    session["sym"] = new RubySymbol("admin");
    session["at"] = new RubyTime(Date.UTC(2024, 1, 29, 12, 30, 45, 123));
    session["big"] = 2n ** 70n;
    session["neg_big"] = -(2n ** 65n);
    session["bin"] = new Uint8Array([0xff, 0x00, 0x72, 0x61, 0x77]);
  }
  return session;
}

describeWithRails("real Rails 6.1 reads back the cookies we write", () => {
  for (const c of cases) {
    const label = `load_defaults ${c.defaults}, ${c.serializer}${Object.keys(c.extra).length ? " " + JSON.stringify(c.extra) : ""}${c.expireAfter ? `, expire_after ${c.expireAfter}` : ""}`;

    it(label, async () => {
      const secret = secretKeyBase(label.replace(/\W/g, "").toLowerCase().replace(/[^a-f0-9]/g, "a"));
      const config: RailsConfig = {
        defaults: c.defaults,
        serializer: c.serializer,
        secret_key_base: secret,
        session_key: SESSION_KEY,
        expire_after: c.expireAfter ?? null,
        extra: c.extra,
      };

      const written: { kind: "session" | "encrypted" | "signed"; name: string; value: string; expect: unknown; what: string }[] = [];
      for (const railsVersion of [c.defaults, "6.1"]) {
        const jar = new CookieJar(jarOptions(c, secret, railsVersion));
        const session = sessionValue(c);
        const expires = c.expireAfter ?? null;
        written.push(
          { kind: "session", name: SESSION_KEY, value: jar.session.set(SESSION_KEY, session, { expires }), expect: session, what: `session for ${railsVersion}` },
          { kind: "encrypted", name: "remember", value: jar.encrypted.set("remember", "token-123"), expect: "token-123", what: `encrypted for ${railsVersion}` },
          { kind: "encrypted", name: "prefs", value: jar.encrypted.set("prefs", { theme: "dark", n: 3 }, { expires: new Date("2099-01-01T00:00:00Z") }), expect: { theme: "dark", n: 3 }, what: `expiring encrypted for ${railsVersion}` },
          { kind: "signed", name: "uid", value: jar.signed.set("uid", 1234), expect: 1234, what: `signed for ${railsVersion}` },
          { kind: "signed", name: "login", value: jar.signed.set("login", "alice", { expires: new Date("2099-01-01T00:00:00Z") }), expect: "alice", what: `expiring signed for ${railsVersion}` },
        );
        // An expired cookie only carries its expiry inside the envelope (5.2 GCM, 6.0+).
        if (jar.config.railsVersion >= 6.0 || (jar.config.railsVersion >= 5.2 && jar.config.useAuthenticatedCookieEncryption)) {
          written.push({ kind: "encrypted", name: "old", value: jar.encrypted.set("old", "stale", { expires: new Date("2001-01-01T00:00:00Z") }), expect: null, what: `expired encrypted for ${railsVersion}` });
        }
      }

      // A trap of the 5.1 → 5.2+ upgrade that real Rails shows: before 5.2 `cookies_digest` signs both
      // the signed jar and the CBC primary; from 5.2 the CBC primary always signs with SHA1 and signed
      // cookies use `signed_cookie_digest`. So what Rails 5.1 wrote under `cookies_digest: SHA256`,
      // Rails 6.1 on the same settings refuses.
      if (c.extra["action_dispatch.cookies_digest"] && c.extra["action_dispatch.cookies_digest"] !== "SHA1") {
        for (const w of written) if (w.what.endsWith(`for ${c.defaults}`) && Number(c.defaults) < 5.2) w.expect = null;
      }

      const results = await railsRead(config, written.map(({ kind, name, value }) => ({ kind, name, value })));
      results.forEach((result, i) => {
        const w = written[i]!;
        const expected = w.expect === null ? null : asRailsReads(w.expect);
        expect(result.rails_reads, w.what).toEqual(expected);
        if (w.expect !== null && c.serializer === "marshal") {
          // Ruby's Marshal.dump of what Rails read is byte-identical to ours.
          expect(result.rails_reads_marshal, w.what).toBe(Buffer.from(marshalDump(w.expect)).toString("base64"));
        }
      });
    });
  }
});

describe("round-trip cases", () => {
  it("cover every load_defaults 5.0–6.1 × serializer", () => {
    expect(new Set(cases.map((c) => `${c.defaults} ${c.serializer}`)).size).toBe(15);
  });
});
