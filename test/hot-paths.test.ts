/**
 * The shortcuts the request path takes for speed (docs/bench.md) must answer exactly what the long
 * way answers: `findCookie` is `parseCookieHeader(h).get(name)`, `strictUtf8String` is the fatal
 * TextDecoder, and a session commit that skips serializing writes exactly when the data changed,
 * however the handler reached it.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { findCookie, parseCookieHeader, unescapeCookieValue } from "../src/cookie/escape.js";
import { strictUtf8String as nodeStrictUtf8 } from "../src/bytes/node.js";
import { strictUtf8String as webStrictUtf8 } from "../src/bytes/web.js";
import { createSessionStore } from "../src/session/index.js";
import { PINNED } from "./helpers/clock.js";

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
