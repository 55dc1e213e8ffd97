/**
 * Proves the real-Rails oracle (rails-fixture-app/bin/oracle via test/helpers/rails.ts):
 * - fed the shared vectors that Rails 6.1.7.10 wrote, it reads exactly their rails_reads and
 *   rails_reads_marshal (bytes of Ruby's Marshal.dump) — the cookies came from a Rails app
 *   that is not this one;
 * - fed fixtures/rails61 (written by this app), it reads what the generator recorded;
 * - it rejects tampered cookies, round-trips writes, and boots from Rails credentials.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it, describe } from "vitest";
import fc from "fast-check";
import {
  configOf,
  describeWithRails,
  loadVectors,
  railsRead,
  repoRoot,
  railsWrite,
  sharedPath,
  startRailsServer,
  type CookieToRead,
  type RailsConfig,
  type VectorLine,
} from "./helpers/rails.js";
import { decodeJson, encodeJson } from "../src/serializers/json.js";

const SHARED = sharedPath("rails-vectors/vectors.jsonl");
const FIXTURES = "fixtures/rails61/vectors.jsonl";

function groupByConfig(lines: VectorLine[]): [RailsConfig, VectorLine[]][] {
  const groups = new Map<string, [RailsConfig, VectorLine[]]>();
  for (const l of lines) {
    const key = encodeJson(configOf(l));
    if (!groups.has(key)) groups.set(key, [configOf(l), []]);
    groups.get(key)![1].push(l);
  }
  return [...groups.values()];
}

/**
 * A session written with expire_after carries an expiry in its envelope; read it at the time it
 * was written (expires − expire_after + 1 min) so the check does not rot. Every other cookie is
 * read at the suite's pinned clock (runOracle's default), where the ones meant to be expired are.
 */
function readOf(l: VectorLine): CookieToRead {
  const read: CookieToRead = { kind: l.kind, name: l.name, value: l.value };
  const expires = /expires=([^;]+)/.exec(l.set_cookie)?.[1];
  if (l.kind === "session" && l.expire_after !== null && expires && !l.scenario.endsWith("_expired")) {
    read.now = new Date(Date.parse(expires) - l.expire_after * 1000 + 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  }
  return read;
}

function label(c: RailsConfig): string {
  const extra = Object.keys(c.extra).length ? ` ${JSON.stringify(c.extra).slice(0, 120)}` : "";
  return `defaults ${c.defaults} ${c.serializer}${c.expire_after ? ` expire_after ${c.expire_after}` : ""}${c.secret_token ? " secret_token" : ""}${extra}`;
}

function checkLines(file: string, filter: (l: VectorLine) => boolean) {
  const lines = loadVectors(file).filter(filter);
  it(`${file} has lines to check`, () => {
    expect(lines.length).toBeGreaterThan(100);
  });
  for (const [config, group] of groupByConfig(lines)) {
    it(`reads ${label(config)}: ${group.map((l) => l.scenario).join(", ")}`, async () => {
      const results = await railsRead(config, group.map(readOf));
      group.forEach((l, i) => {
        const r = results[i]!;
        const what = `${l.rails} ${l.defaults} ${l.serializer} ${l.scenario}`;
        expect(r.rails_reads, what).toEqual(l.rails_reads);
        expect(r.rails_reads_marshal, what).toBe(l.rails_reads_marshal);
        if (l.rewritten != null) expect(r.rewritten, `${what} is rewritten`).toMatch(new RegExp(`^${l.name}=`));
      });
    });
  }
}

describeWithRails("oracle reproduces the shared Rails 6.1.7.10 vectors", () => {
  checkLines(SHARED, (l) => l.rails === "6.1.7.10");
});

describeWithRails("oracle reproduces fixtures/rails61", () => {
  checkLines(FIXTURES, () => true);
});

describeWithRails("oracle behaviour", () => {
  const shared = loadVectors(SHARED).filter((l) => l.rails === "6.1.7.10");
  const pick = (defaults: string, serializer: string, scenario: string) =>
    shared.find((l) => l.defaults === defaults && l.serializer === serializer && l.scenario === scenario && !Object.keys(l.extra).length && l.expire_after === null)!;

  it("rejects tampered session, encrypted and signed cookies (rails_reads null)", async () => {
    const lines = ["session_rich", "encrypted_plain", "signed_int"].map((s) => pick("6.1", "json", s));
    const tamper = (v: string) => {
      const i = v.indexOf("--") - 3; // inside the payload, before the first separator
      return v.slice(0, i) + (v[i] === "A" ? "B" : "A") + v.slice(i + 1);
    };
    const results = await railsRead(
      configOf(lines[0]!),
      lines.map((l) => ({ kind: l.kind, name: l.name, value: tamper(l.value) })),
    );
    for (const r of results) {
      expect(r.rails_reads).toBeNull();
      expect(r.rails_reads_marshal).toBe("BAgw"); // Marshal.dump(nil)
    }
    // The untampered values are accepted by the same process: the rejection is the tampering.
    const ok = await railsRead(configOf(lines[0]!), lines.map((l) => ({ kind: l.kind, name: l.name, value: l.value })));
    ok.forEach((r, i) => expect(r.rails_reads).toEqual(lines[i]!.rails_reads));
  });

  it("a cookie under another secret is rejected", async () => {
    const l = pick("6.1", "json", "encrypted_plain");
    const other = { ...configOf(l), secret_key_base: "f".repeat(128) };
    const [r] = await railsRead(other, [{ kind: l.kind, name: l.name, value: l.value }]);
    expect(r!.rails_reads).toBeNull();
  });

  it("writes what it is given: JSON values with Bignums, and exact Marshal objects", async () => {
    const marshalLine = pick("6.1", "marshal", "session_ruby_types");
    const config: RailsConfig = { ...configOf(marshalLine) };
    const big = 2n ** 70n;
    const written = await railsWrite(config, [
      { kind: "encrypted", name: "j", value_json: { big, s: "Zoë", a: [1, 2.5, null] } },
      { kind: "signed", name: "m", value_marshal_b64: marshalLine.rails_reads_marshal },
      { kind: "encrypted", name: "e", value_json: "x", expires: "2099-01-02T03:04:05Z" },
      { kind: "session", name: config.session_key, value_json: { user_id: 7 } },
    ]);
    expect(written[0]!.rails_reads).toEqual({ big, s: "Zoë", a: [1, 2.5, null] });
    expect(written[1]!.rails_reads_marshal).toBe(marshalLine.rails_reads_marshal);
    expect(written[2]!.set_cookie).toContain("expires=Fri, 02 Jan 2099 03:04:05 GMT");
    expect(written[3]!.rails_reads).toMatchObject({ user_id: 7 });
    // …and a second process (a fresh boot) reads the same.
    const back = await railsRead(config, written.map((w) => ({ kind: w.kind as CookieToRead["kind"], name: w.name, value: w.value })));
    back.forEach((r, i) => expect(r.rails_reads_marshal).toBe(written[i]!.rails_reads_marshal));
  });

  it("reads with the clock stubbed: an expiring cookie is read before, rejected after", async () => {
    const l = pick("6.1", "json", "encrypted_hash_expiring"); // expires 2099-01-02T03:04:05Z
    const [before, after] = await railsRead(configOf(l), [
      { kind: l.kind, name: l.name, value: l.value, now: "2099-01-02T03:04:04Z" },
      { kind: l.kind, name: l.name, value: l.value, now: "2099-01-02T03:04:06Z" },
    ]);
    expect(before!.rails_reads).toEqual(l.rails_reads);
    expect(after!.rails_reads).toBeNull();
  });

  it("surfaces Ruby's stderr when the app cannot boot", async () => {
    const bad = { ...configOf(pick("6.1", "json", "signed_int")), defaults: "4.2" };
    await expect(railsRead(bad, [{ kind: "signed", name: "x", value: "y" }])).rejects.toThrow(/defaults must be one of/);
  });

  it("boots on Rails credentials: the generated fixture and the shared credentials61 app", async () => {
    const generated = decodeJson(readFileSync(resolve(repoRoot, "fixtures/credentials61-generated/cookie.json"), "utf8")) as VectorLine;
    const noSecret: RailsConfig = { defaults: "6.1", serializer: "json", secret_key_base: null, session_key: "_oracle_session", expire_after: null, extra: {} };
    const [g] = await railsRead(noSecret, [{ kind: "session", name: generated.name, value: generated.value }], {
      credentialsDir: resolve(repoRoot, "fixtures/credentials61-generated"),
    });
    expect(g!.rails_reads).toEqual(generated.rails_reads);
    expect(g!.rails_reads_marshal).toBe(generated.rails_reads_marshal);

    const app = readFileSync(sharedPath("rails-apps/apps.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => decodeJson(l) as { app: string; name: string; value: string; rails_reads: unknown })
      .find((a) => a.app === "credentials61")!;
    const [s] = await railsRead(noSecret, [{ kind: "session", name: app.name, value: app.value }], {
      credentialsDir: sharedPath("rails-apps/credentials61"),
    });
    expect(s!.rails_reads).toEqual(app.rails_reads);
  });
});

function asNumbers(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(asNumbers);
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: asNumbers(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

describeWithRails("bin/serve (end-to-end server)", () => {
  it("signs in, shows the session and flash, checks CSRF, signs out", async () => {
    const config: RailsConfig = { defaults: "6.1", serializer: "json", secret_key_base: "a".repeat(128), session_key: "_app_session", expire_after: null, extra: {} };
    const server = await startRailsServer(config);
    try {
      const jar = new Map<string, string>();
      const send = async (method: string, path: string, body?: Record<string, string>, headers: Record<string, string> = {}) => {
        const res = await fetch(server.url + path, {
          method,
          redirect: "manual",
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...headers },
          body: body ? new URLSearchParams(body).toString() : method === "GET" ? undefined : "",
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(";");
          const eq = pair!.indexOf("=");
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        return res;
      };
      expect((await send("POST", "/sign_in", { user_id: "7" })).status).toBe(302);
      expect(jar.has("_app_session")).toBe(true);
      const who = (await (await send("GET", "/whoami")).json()) as { session: Record<string, unknown>; flash: Record<string, unknown> };
      expect(who.session).toMatchObject({ user_id: 7, "warden.user.user.key": [[7], "$2a$12$abcdefghijklmnopqrstuv"] });
      expect(who.flash).toEqual({ notice: "Signed in successfully." });
      // The cookie the server set is one the oracle reads the same way.
      const [read] = await railsRead(config, [{ kind: "session", name: "_app_session", value: jar.get("_app_session")! }]);
      expect(read!.rails_reads).toMatchObject({ session_id: who.session.session_id, user_id: 7 });

      const { authenticity_token } = (await (await send("GET", "/form")).json()) as { authenticity_token: string };
      expect((await send("POST", "/protected", { authenticity_token })).status).toBe(200);
      expect((await send("POST", "/protected", {}, { "x-csrf-token": authenticity_token })).status).toBe(200);
      expect((await send("POST", "/protected", { authenticity_token: "forged" })).status).toBe(422);
      expect((await send("POST", "/flash", { notice: "hi" })).status).toBe(200);
      expect(((await (await send("GET", "/whoami")).json()) as { flash: unknown }).flash).toEqual({ notice: "hi" });
      expect((await send("DELETE", "/sign_out")).status).toBe(200);
      const after = (await (await send("GET", "/whoami")).json()) as { session: Record<string, unknown> };
      expect(Object.keys(after.session)).toEqual(["session_id"]);
      expect(after.session.session_id).not.toBe(who.session.session_id);
    } finally {
      await server.stop();
    }
  });
});

describe("decodeJson / encodeJson (src/serializers/json.ts), the JSON the oracle speaks", () => {
  it("agrees with JSON.parse where JSON.parse is exact", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        // JSON.parse rounds integers past 2**53; decodeJson keeps them as bigint.
        expect(asNumbers(decodeJson(text))).toEqual(JSON.parse(text));
        expect(asNumbers(decodeJson(encodeJson(JSON.parse(text))))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps integers past 2**53 exact, as bigint", () => {
    expect(decodeJson('{"a":9007199254740993,"b":-36893488147419103232,"c":9007199254740991,"d":1.5e300}')).toEqual({
      a: 9007199254740993n,
      b: -36893488147419103232n,
      c: 9007199254740991,
      d: 1.5e300,
    });
    expect(encodeJson({ a: 2n ** 70n, b: [1, "x"] })).toBe('{"a":1180591620717411303424,"b":[1,"x"]}');
    // The library's typed error, with JSON's own SyntaxError as its cause.
    expect(() => decodeJson('{"a":1,}')).toThrow(expect.objectContaining({ code: "bad_payload", cause: expect.any(SyntaxError) }));
  });
});
