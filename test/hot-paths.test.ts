/**
 * The shortcuts the request path takes for speed (docs/bench.md) must answer exactly what the long
 * way answers: `findCookie` is `parseCookieHeader(h).get(name)`, `strictUtf8String` is the fatal
 * TextDecoder, strict base64's checks are decoding and encoding again, the envelope scan is
 * `JSON.parse`, `Date.parse` of Rails' expiry is Ruby's `Time.iso8601`, and a session commit that
 * skips serializing writes exactly when the data changed, however the handler reached it.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { findCookie, parseCookieHeader, unescapeCookieValue } from "../src/cookie/escape.js";
import { strictDecode64, strictDecode64ByReencoding, strictUtf8String as nodeStrictUtf8 } from "../src/bytes/node.js";
import { strictDecode64 as webStrictDecode64, strictUtf8String as webStrictUtf8 } from "../src/bytes/web.js";
import { createSessionStore } from "../src/session/index.js";
import { PINNED } from "./helpers/clock.js";
import { parseIso8601, parseXmlschema, unwrap, unwrapParsed, type Unwrapped } from "../src/envelope/metadata.js";
import type { RailsCookieError } from "../src/errors.js";
import { verifySigned } from "../src/crypto/messageVerifier.js";
import { importHmacKey, verifySigned as webVerifySigned } from "../src/webcrypto/messageVerifier.js";
import { splitSigned } from "../src/crypto/formats.js";
import { createHmac } from "node:crypto";
import { unescapeCookieValue as unescapeValue } from "../src/cookie/escape.js";
import { KeyGenerator } from "../src/crypto/index.js";
import { loadVectorFile } from "./helpers/vectors.js";

const fatal = (bytes: Uint8Array): string | null => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
};

describe("findCookie", () => {
  const piece = fc.constantFrom("a", "b", "_app_session", "%5Fapp_session", " ", "=", ";", '"', "x", "%", "%41", "");
  const header = fc.array(piece, { maxLength: 20 }).map((p) => p.join(""));
  it("is parseCookieHeader(h).get(name) (fast-check)", () => {
    fc.assert(
      fc.property(header, fc.constantFrom("a", "b", "_app_session", "A", "x"), (h, name) => {
        expect(findCookie(h, name)).toBe(parseCookieHeader(h).get(name));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("unescapeCookieValue", () => {
  it("is decodeURIComponent wherever that succeeds (fast-check)", () => {
    const piece = fc.constantFrom("A", "b", "9", "-", "+", "/", "=", "%3D", "%3d", "%2F", "%2f", "%2B", "%2b", "%41", "%C3%A9", "%3", "%", "%2", "%2G", "%3E");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const v = pieces.join("");
        let expected: string | undefined;
        try {
          expected = decodeURIComponent(v);
        } catch {
          return; // the byte-wise fallback, unchanged
        }
        expect(unescapeCookieValue(v)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("strictUtf8String", () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => new TextEncoder().encode(s)),
    fc.string({ maxLength: 10 }).map((s) => new TextEncoder().encode(`\ufeff${s}`)),
    // Overlong, surrogate and beyond-U+10FFFF sequences.
    fc.constantFrom([0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xef, 0xbb, 0xbf]).map((b) => Uint8Array.from(b)),
  );
  it("answers what the fatal TextDecoder answers, on Node and on the edge build (fast-check)", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(nodeStrictUtf8(b)).toBe(fatal(b));
        expect(webStrictUtf8(b)).toBe(fatal(b));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("strictDecode64", () => {
  const outcome = (decode: (text: string) => Uint8Array, text: string): string => {
    try {
      return Buffer.from(decode(text)).toString("hex");
    } catch (error) {
      return `error ${(error as RailsCookieError).code}`;
    }
  };
  const same = (text: string) => {
    const expected = outcome(strictDecode64ByReencoding, text);
    expect({ text, node: outcome(strictDecode64, text), web: outcome(webStrictDecode64, text) }).toEqual({ text, node: expected, web: expected });
  };
  // Strict texts, then each edited where a lenient decoder looks away: a character outside the
  // alphabet (URL-safe, space, newline, non-ASCII, "="), one dropped, the padding changed, a
  // trailing character whose unused bits are not zero.
  const strict = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64"));
  const odd = fc.constantFrom("-", "_", " ", "\n", "=", "==", "é", "\u0000", "!", "A", "a", "0", "+", "/", "Q", "B", "g", "w");
  const edited = fc.tuple(strict, fc.nat(), odd, fc.constantFrom("insert", "replace", "delete")).map(([t, at, c, how]) => {
    const i = t.length === 0 ? 0 : at % t.length;
    if (how === "insert") return t.slice(0, i) + c + t.slice(i);
    if (how === "replace") return t.slice(0, i) + c + t.slice(i + 1);
    return t.slice(0, i) + t.slice(i + 1);
  });
  it("accepts exactly what decoding and encoding again gives back, on Node and on the edge build (fast-check)", () => {
    fc.assert(fc.property(fc.oneof(strict, edited, fc.string({ maxLength: 12 })), same), { numRuns: 30000 });
  });
  it("refuses every non-zero trailing-bit variant of a padded text, accepts the zero one (exhaustive)", () => {
    for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
      same(`Q${c}==`);
      same(`QU${c}=`);
      same(`QUJD${c}Q==`);
    }
  });
});

describe("a signed message's digest, compared before its hex check", () => {
  // verifySigned (node:crypto) compares the MAC first and checks the digest is lower-case hex only
  // when they differ. The long way checks the shape first (splitSigned, what the Web Crypto
  // backend does) and then the MAC; both must refuse and accept alike, also for a digest that is
  // the right MAC spelt otherwise: upper-case, or a character whose low byte is a hex digit
  // (U+0161 is "a" to a Latin-1 view), which a byte comparison of Latin-1 views would let pass.
  const line = loadVectorFile("rails61/vectors.jsonl").find((l) => l.kind === "signed" && l.scenario === "signed_permanent")!;
  const secret = new KeyGenerator(line.secret_key_base, { hashDigestClass: "SHA1" }).generateKey("signed cookie", 64);
  const key = { secret, digest: "SHA1" as const };
  const signed = unescapeValue(line.value);
  const outcome = (verify: () => Uint8Array): string => {
    try {
      return Buffer.from(verify()).toString("hex");
    } catch (error) {
      return `error ${(error as RailsCookieError).code}`;
    }
  };
  const longWay = (value: string): string =>
    outcome(() => {
      const { data, mac } = splitSigned(value, "SHA1");
      if (createHmac("sha1", secret).update(data, "latin1").digest("hex") !== mac) throw { code: "bad_signature" };
      return strictDecode64(data);
    });
  const digestAt = signed.length - 40;
  const variants = [
    signed,
    signed.slice(0, digestAt) + signed.slice(digestAt).toUpperCase(),
    ...[...signed.slice(digestAt)].flatMap((c, i) => {
      const at = digestAt + i;
      const spelt = [String.fromCharCode(0x100 + c.charCodeAt(0)), c.toUpperCase(), "g", c === "0" ? "1" : "0"];
      return spelt.map((s) => signed.slice(0, at) + s + signed.slice(at + 1));
    }),
  ];
  it("Rails' signed cookie is read, and every respelling of its digest is refused as the long way refuses it", async () => {
    const webKey = await importHmacKey(secret, "SHA1");
    expect(longWay(signed)).not.toMatch(/^error/);
    for (const value of variants) {
      const expected = longWay(value);
      let web: string;
      try {
        web = Buffer.from(await webVerifySigned(value, webKey)).toString("hex");
      } catch (error) {
        web = `error ${(error as RailsCookieError).code}`;
      }
      expect({ value, node: outcome(() => verifySigned(value, key)), web }).toEqual({ value, node: expected, web: expected });
    }
    expect(variants.filter((v) => longWay(v) === "error bad_format").length).toBeGreaterThan(80);
  });
});

describe("commit skips serializing only an untouched session", () => {
  const store = createSessionStore({ secretKeyBase: "a".repeat(128), loadDefaults: "7.1", key: "_app_session", now: () => PINNED });
  const cookieOf = (setCookie: string) => /^_app_session=([^;]*)/.exec(setCookie)![1]!;
  const seed = store.load(undefined);
  seed["cart"] = { items: [{ sku: "a", n: 1 }] };
  seed["user_id"] = 1;
  const header = `_app_session=${cookieOf(store.commit(seed)!)}`;
  const after = (handler: (s: Record<string, any>) => void) => {
    const s = store.load(header);
    handler(s);
    return store.commit(s);
  };

  it("reads of plain values, `in`, Object.keys and the id write nothing", () => {
    expect(after((s) => void [s.user_id, "cart" in s, Object.keys(s), s.id])).toBeNull();
  });

  it("every way of reaching a nested value and changing it in place is written", () => {
    expect(after((s) => s.cart.items.push(2))).not.toBeNull();
    expect(after((s) => (Object.values(s).find((v: any) => v?.items) as any).items.push(2))).not.toBeNull();
    expect(after((s) => Object.entries(s).forEach(([, v]: [string, any]) => v?.items && (v.items[0].n = 5)))).not.toBeNull();
    expect(after((s) => ({ ...s }).cart.items.pop())).not.toBeNull();
    expect(after((s) => (s.toHash() as any).cart.items.pop())).not.toBeNull();
    expect(after((s) => Object.getOwnPropertyDescriptor(s, "cart")!.value.items.pop())).not.toBeNull();
  });

  it("reaching a nested value without changing it writes nothing (the bytes are compared)", () => {
    expect(after((s) => void s.cart.items.length)).toBeNull();
  });
});

describe("the envelope scan", () => {
  // Plaintexts around the layout Rails writes, and every way out of it: escapes, whitespace, other
  // key orders and members, non-ASCII and control characters, numbers, false, broken JSON.
  const b64 = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString("base64"));
  const message = fc.oneof(b64, b64.map((t) => t.replace("/", "\\/")), fc.constantFrom("", "QUJD\\u0041", "QUJ", "QU=D", "é", "\\", 'a"b'));
  const text = fc.oneof(
    fc.constantFrom("2099-01-01T00:00:00.000Z", "2001-01-01T00:00:00.000Z", "2099-02-30T00:00:00.000Z", "2099-01-01T23:59:60.000Z", "2099-01-01", "cookie.c", "cookie.x", ""),
    fc.string({ maxLength: 6 }),
    fc.constantFrom("cookie.\\u0063", "\u00e9", "\u0001", "a\\\"b"),
  );
  const value = fc.oneof(fc.constant("null"), text.map((t) => `"${t}"`), fc.constantFrom("false", "true", "4102444800", "[]", "{}", ' "cookie.c"', "null "));
  const plaintext = fc
    .record({
      message,
      exp: value,
      pur: value,
      shape: fc.constantFrom("rails", "rails", "rails", "swapped", "extra", "spaces", "trailing", "missing-brace", "dup"),
    })
    .map(({ message, exp, pur, shape }) => {
      const m = `"message":"${message}"`;
      switch (shape) {
        case "swapped": return `{"_rails":{${m},"pur":${pur},"exp":${exp}}}`;
        case "extra": return `{"_rails":{${m},"exp":${exp},"pur":${pur},"x":1}}`;
        case "spaces": return `{"_rails":{${m}, "exp":${exp},"pur":${pur}}}`;
        case "trailing": return `{"_rails":{${m},"exp":${exp},"pur":${pur}}}\n`;
        case "missing-brace": return `{"_rails":{${m},"exp":${exp},"pur":${pur}}`;
        case "dup": return `{"_rails":{${m},"exp":${exp},"pur":${pur}},"_rails":{"message":"","exp":null,"pur":null}}`;
        default: return `{"_rails":{${m},"exp":${exp},"pur":${pur}}}`;
      }
    });
  const outcome = (f: () => Unwrapped) => {
    try {
      const u = f();
      return { message: Buffer.from(u.message).toString("latin1"), enveloped: u.enveloped, purpose: u.purpose, expiresAt: u.expiresAt?.getTime() ?? null };
    } catch (error) {
      return { error: (error as RailsCookieError).code, message: (error as Error).message };
    }
  };
  it("answers what JSON.parse answers, for every Rails version's reading (fast-check)", () => {
    fc.assert(
      fc.property(plaintext, fc.constantFrom(5.2, 6.0, 6.1, 7.0, 7.1, 8.0), (p, railsVersion) => {
        const bytes = Buffer.from(p, "utf8");
        expect(outcome(() => unwrap(bytes, railsVersion))).toEqual(outcome(() => unwrapParsed(bytes, railsVersion)));
      }),
      { numRuns: 20000 },
    );
  });
  it("takes the envelope Rails writes without JSON.parse (it is the path the scan exists for)", () => {
    const bytes = Buffer.from('{"_rails":{"message":"QUJD","exp":"2099-01-01T00:00:00.000Z","pur":"cookie.c"}}');
    const parse = JSON.parse;
    let calls = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => (calls++, parse(...args));
    try {
      expect(outcome(() => unwrap(bytes, 8.0))).toEqual(outcome(() => unwrapParsed(bytes, 8.0)));
      expect(calls).toBe(1); // unwrapParsed's, not unwrap's
    } finally {
      JSON.parse = parse;
    }
  });
});

describe("the expiry Rails writes, through Date.parse", () => {
  it("is what Ruby's rules give, for every field at and past its range (exhaustive grid)", () => {
    const two = (n: number) => String(n).padStart(2, "0");
    let checked = 0;
    for (const year of ["0000", "0050", "1970", "2024", "2100", "9999"])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          for (const hour of [0, 23, 24, 25])
            for (const min of [0, 59, 60])
              for (const sec of [0, 59, 60, 61])
                for (const ms of ["000", "001", "057", "290", "999"]) {
                  const text = `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(min)}:${two(sec)}.${ms}Z`;
                  expect(parseIso8601(text)?.getTime() ?? null, text).toBe(parseXmlschema(text)?.getTime() ?? null);
                  checked++;
                }
    expect(checked).toBe(6 * 14 * 7 * 4 * 3 * 4 * 5);
  });
  it("is what Ruby's rules give for any millisecond instant (fast-check)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("0000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }), (d) => {
        const text = d.toISOString();
        expect(parseIso8601(text)?.getTime()).toBe(parseXmlschema(text)?.getTime());
        expect(parseIso8601(text)?.getTime()).toBe(d.getTime());
      }),
      { numRuns: 20000 },
    );
  });
});
