/**
 * Properties for hostile *authenticated* payloads (issue 11), for every serializer Rails has
 * (json, marshal, hybrid, message_pack, message_pack_allow_marshal): cookies forged with the test
 * secret through the jar itself, as someone holding a leaked secret (or a buggy writer on the Rails
 * side) would make them, then read and written back by the jar and the session store.
 *
 * Every call gives a value or a `RailsCookieError` with a code, never a RangeError or TypeError.
 * The work is bounded by what was decoded, and checked by counting, not by a clock: whatever the
 * store writes back fits a cookie (the writers stop at 4096 bytes, so a shared object expanding on
 * the way out costs at most that much), and the payloads include Marshal DAGs of up to 2**45
 * leaves, which finish only because that bound holds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CookieJar, MAX_COOKIE_SIZE } from "../src/jar.js";
import { CookieOverflowError, RailsCookieError } from "../src/errors.js";
import { createSessionStore } from "../src/session/store.js";
import { dump } from "../src/marshal/index.js";
import { encodeMessagePack } from "../src/msgpack/index.js";
import { RubyObject, RubySymbol } from "../src/ruby/types.js";
import type { CookiesSerializer, LoadDefaults } from "../src/config.js";
import { sealRaw } from "./helpers/hostile.js";

const secretKeyBase = "0123456789abcdef".repeat(8);
const NOW = new Date("2026-06-01T00:00:00Z");
const now = () => NOW;
const KEY = "_app_session";

const configurations: Array<{ cookiesSerializer: CookiesSerializer; loadDefaults: LoadDefaults }> = [
  { cookiesSerializer: "json", loadDefaults: "6.1" },
  { cookiesSerializer: "marshal", loadDefaults: "6.1" },
  { cookiesSerializer: "hybrid", loadDefaults: "6.1" },
  { cookiesSerializer: "json", loadDefaults: "7.1" },
  { cookiesSerializer: "marshal", loadDefaults: "7.1" },
  { cookiesSerializer: "hybrid", loadDefaults: "7.1" },
  { cookiesSerializer: "message_pack", loadDefaults: "7.1" },
  { cookiesSerializer: "message_pack_allow_marshal", loadDefaults: "8.0" },
];
const apps = configurations.map((c) => ({ ...c, store: createSessionStore({ key: KEY, secretKeyBase, now, ...c }) }));

/** The forger: the same secret, sealing bytes as they are (no serializer involved). */
const forger = new CookieJar({ secretKeyBase, loadDefaults: "7.1", now });
function forge(payload: Uint8Array): string {
  try {
    return forger.encrypted.setSerialized(KEY, payload);
  } catch (error) {
    // Too big with the envelope: sealed bare (read as a cookie without metadata, which 6.0+ accept).
    if (error instanceof CookieOverflowError) return sealRaw(forger, payload);
    throw error;
  }
}

/** `fn()`, or the code of the RailsCookieError it threw; anything else fails the property. */
function typed<T>(fn: () => T): T | { code: string } {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RailsCookieError && typeof error.code === "string") return { code: error.code };
    throw error;
  }
}

/** Reads `payload` the way every app does and writes it back, untouched and touched. */
function readAndWriteBack(payload: Uint8Array): void {
  const cookie = forge(payload);
  for (const app of apps) {
    const codec = app.store.jar.encrypted;
    typed(() => codec.decode(KEY, cookie));
    expect(() => codec.get(KEY, cookie)).not.toThrow();
    const session = app.store.load(`${KEY}=${cookie}`);
    for (const touch of [false, true]) {
      if (touch) session["touched"] = 1;
      const written = typed(() => app.store.commit(session));
      if (typeof written !== "string") continue;
      // What is written fits a cookie and reads back.
      const value = written.slice(KEY.length + 1, written.indexOf(";"));
      expect(decodeURIComponent(value).length).toBeLessThanOrEqual(MAX_COOKIE_SIZE);
      const back = typed(() => codec.decode(KEY, value));
      expect(back).toHaveProperty("value");
    }
  }
}

// ── Ruby-shaped values with sharing, cycles and self-links, as Marshal can carry them ──

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom(new RubySymbol("admin"), new RubySymbol("__proto__")),
);
const keyName = fc.constantFrom("a", "b", "__proto__", "constructor", "toJSON", "session_id", "_rails", "@x");
const { node } = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.array(fc.tuple(keyName, tie("node")), { maxLength: 4 }).map((entries) => {
      const h = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of entries) h[k] = v;
      return h;
    }),
    fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), tie("node")), { maxLength: 3 }).map((entries) => new Map<unknown, unknown>(entries)),
    fc.tuple(fc.constantFrom("Foo", "Range", "Struct::P"), fc.constantFrom("object", "struct") as fc.Arbitrary<"object" | "struct">, fc.array(fc.tuple(keyName, tie("node")), { maxLength: 3 })).map(([className, kind, fields]) => {
      const ivars = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of fields) Object.defineProperty(ivars, kind === "object" ? `@${k}` : k, { value: v, enumerable: true, configurable: true, writable: true });
      return new RubyObject(className, { kind, ivars });
    }),
  ),
}));

function containersOf(root: unknown): object[] {
  const out: object[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== "object" || v instanceof Uint8Array || v instanceof RubySymbol || seen.has(v)) return;
    seen.add(v);
    out.push(v);
    const children = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : v instanceof RubyObject ? Object.values(v.ivars) : Object.values(v);
    children.forEach(visit);
  };
  visit(root);
  return out;
}

/** Adds a reference to container `to` inside container `from`: sharing (a DAG), or a cycle when `to` encloses `from`. */
function link(from: object, to: object, slot: string): void {
  if (Array.isArray(from)) from.push(to);
  else if (from instanceof Map) from.set(from.size + 10, to);
  else if (from instanceof RubyObject) Object.defineProperty(from.ivars, from.kind === "object" ? `@${slot}` : slot, { value: to, enumerable: true, configurable: true, writable: true });
  else (from as Record<string, unknown>)[slot] = to;
}

const marshalPayload = fc
  .record({
    root: node,
    links: fc.array(fc.tuple(fc.nat(), fc.nat(), keyName), { maxLength: 4 }),
    doublings: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 45 })),
    asSession: fc.boolean(),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }),
  })
  .map(({ root, links, doublings, asSession, edits }) => {
    const holder: unknown[] = [root];
    const containers = containersOf(holder);
    for (const [a, b, slot] of links) link(containers[a % containers.length]!, containers[b % containers.length]!, slot);
    let v: unknown = holder[0];
    for (let i = 0; i < doublings; i++) v = [v, v];
    const top = asSession ? Object.assign(Object.create(null) as Record<string, unknown>, { session_id: "x", d: v }) : v;
    let bytes: Uint8Array;
    try {
      bytes = dump(top);
    } catch {
      bytes = Uint8Array.of(4, 8, 0x30);
    }
    // Corrupt a byte or two after the 4.8 prefix: a malformed Marshal payload that still authenticates.
    const out = Uint8Array.from(bytes);
    for (const [at, b] of edits) if (out.length > 2) out[2 + (at % (out.length - 2))] = b;
    return out;
  });

const digits = (n: number) => "9".repeat(n);
const jsonPayload = fc
  .oneof(
    fc.jsonValue().map((v) => JSON.stringify({ session_id: "x", v })),
    fc.integer({ min: 95, max: 3000 }).map((n) => `{"session_id":"x","d":${"[".repeat(n)}${"]".repeat(n)}}`),
    fc.integer({ min: 95, max: 400 }).map((n) => `{"session_id":"x","d":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`),
    fc.integer({ min: 15, max: 700 }).map((n) => `{"session_id":"x","n":${digits(n)},"m":-${digits(n)},"f":${digits(n)}.5e${n}}`),
    fc.string({ unit: "binary", maxLength: 60 }).map((s) => `{"session_id":"x","s":${JSON.stringify(s)}}`),
    fc.string({ maxLength: 80 }).map((s) => `{${s}`),
  )
  .chain((text) =>
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }).map((edits) => {
      const bytes = Buffer.from(text, "utf8");
      for (const [at, b] of edits) bytes[at % bytes.length] = b;
      return new Uint8Array(bytes);
    }),
  );

/** MessagePack-able values (no RubyObject but Range, as Rails' packer). */
const { packable } = fc.letrec((tie) => ({
  packable: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("packable"), { maxLength: 4 }),
    fc.dictionary(keyName, tie("packable"), { maxKeys: 4, noNullPrototype: false }),
  ),
}));
const messagePackPayload = fc.oneof(
  packable.map((v) => {
    try {
      return Uint8Array.from([0xcc, 0x80, ...encodeMessagePack({ session_id: "x", v })]);
    } catch {
      return Uint8Array.of(0xcc, 0x80, 0xc0);
    }
  }),
  // Containers nested past Rails' unpacker limit, huge declared lengths, extensions with any bytes.
  fc.integer({ min: 100, max: 3000 }).map((n) => Uint8Array.from([0xcc, 0x80, 0x81, 0xa1, 0x64, ...new Array<number>(n).fill(0x91), 0xc0])),
  fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([0xcc, 0x80, ...b])),
  fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 40 })).map(([type, b]) => Uint8Array.from([0xcc, 0x80, 0xc7, b.length, type & 0xff, ...b])),
);

describe("hostile authenticated payloads: a value or a typed error, bounded work, for every serializer", () => {
  it("Marshal payloads with shared objects, cycles, self-links and 2**45-leaf DAGs", () => {
    fc.assert(fc.property(marshalPayload, readAndWriteBack), { numRuns: 150 });
  });

  it("JSON payloads nested 3000 deep, with 700-digit integers, bad UTF-8, broken syntax", () => {
    fc.assert(fc.property(jsonPayload, readAndWriteBack), { numRuns: 150 });
  });

  it("MessagePack payloads: nesting past the limit, lying lengths, any extension", () => {
    fc.assert(fc.property(messagePackPayload, readAndWriteBack), { numRuns: 150 });
  });

  it("random bytes behind each serializer's signature", () => {
    const prefixed = fc.tuple(fc.constantFrom([], [0x04, 0x08], [0xcc, 0x80], [0x7b], [0x5b]), fc.uint8Array({ maxLength: 120 }));
    fc.assert(fc.property(prefixed, ([prefix, rest]) => readAndWriteBack(Uint8Array.from([...prefix, ...rest]))), { numRuns: 150 });
  });
});
