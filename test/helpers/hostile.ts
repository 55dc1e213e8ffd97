/**
 * Hostile payloads for the regression and property tests of issue 11: Marshal bytes built by hand
 * (links, self-references) and cookies forged with the test secret through the jar itself.
 *
 * Byte layouts follow marshal.c `w_object` / `r_object` (the same rules src/marshal/ implements);
 * each builder says which Ruby object it stands for, and test/hostile-payloads.test.ts checks the
 * ones Ruby can build against Ruby's own `Marshal.dump`.
 */
import { escapeCookieValue } from "../../src/cookie/escape.js";
import type { CookieJar } from "../../src/jar.js";

/** marshal.c `w_long`. */
export function marshalLong(x: number): number[] {
  if (x === 0) return [0];
  if (x > 0 && x < 123) return [x + 5];
  if (x < 0 && x > -124) return [(x - 5) & 0xff];
  const out: number[] = [];
  let v = x;
  for (let i = 0; i < 4; i++) {
    out.push(((v % 256) + 256) % 256);
    v = Math.floor(v / 256);
    if ((v === 0 && x > 0) || (v === -1 && x < 0)) break;
  }
  return [x > 0 ? out.length : -out.length & 0xff, ...out];
}

/** A UTF-8 String (`I"…` with `E` true); `firstSymbolE` says whether `:E` is written or linked (`;0`). */
export function marshalUtf8(s: string, eSymbol: number[]): number[] {
  const b = [...Buffer.from(s, "utf8")];
  return [0x49, 0x22, ...marshalLong(b.length), ...b, 0x06, ...eSymbol, 0x54];
}

/**
 * `{ "session_id" => "x", "d" => a0 }` where `a_i = [a_(i+1), a_(i+1)]` (the second a `@` link) and
 * the innermost is `[nil, nil]`: `levels` levels, 2**levels leaves, a few bytes per level.
 * Ruby: `a = [nil, nil]; levels.times { a = [a, a] }`.
 */
export function marshalDagSession(levels: number): Uint8Array {
  // Objects: 0 the Hash, 1 "session_id", 2 "x", 3 "d", then a0 at 4, a1 at 5, …
  const head = [0x04, 0x08, 0x7b, 0x07, ...marshalUtf8("session_id", [0x3a, 0x06, 0x45]), ...marshalUtf8("x", [0x3b, 0x00]), ...marshalUtf8("d", [0x3b, 0x00])];
  const arr = (i: number): number[] =>
    i === levels ? [0x5b, 0x07, 0x30, 0x30] : [0x5b, 0x07, ...arr(i + 1), 0x40, ...marshalLong(4 + i + 1)];
  return Uint8Array.from([...head, ...arr(0)]);
}

/** `{ "session_id" => "x", "o" => o }` where `o = Foo.new` and `o.instance_variable_set(:@self, o)`. */
export function marshalSelfIvarSession(): Uint8Array {
  // Objects: 0 Hash, 1 "session_id", 2 "x", 3 "o", 4 the Foo.
  return Uint8Array.from([
    0x04, 0x08, 0x7b, 0x07,
    ...marshalUtf8("session_id", [0x3a, 0x06, 0x45]), ...marshalUtf8("x", [0x3b, 0x00]), ...marshalUtf8("o", [0x3b, 0x00]),
    0x6f, 0x3a, 0x08, ...Buffer.from("Foo"), 0x06, 0x3a, 0x0a, ...Buffer.from("@self"), 0x40, 0x09,
  ]);
}

/** The cookie value (as Set-Cookie carries it) of `plaintext` sealed with the jar's primary encrypted scheme: no envelope added, no size check. */
export function sealRaw(jar: CookieJar, plaintext: Uint8Array | string): string {
  const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  return escapeCookieValue(jar.encrypted.schemes[0]!.seal(bytes));
}

/** The `_rails` envelope (legacy form, as every Rails 5.2–8.x cookie writes it) around `message`, with `exp`/`pur` given as raw JSON text. */
export function envelopeText(message: Uint8Array, exp: string, pur: string): string {
  return `{"_rails":{"message":"${Buffer.from(message).toString("base64")}","exp":${exp},"pur":${pur}}}`;
}
