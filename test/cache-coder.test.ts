/**
 * ActiveSupport::Cache entries (src/cache/) against every entry real Rails 6.1–8.0 wrote into Redis and
 * Memcached (fixtures/rails-server-sessions): each reads exactly what Rails read, and what Node writes
 * for the same configuration and time is byte-identical (with a classic-zlib compressor, pako; see
 * src/cache/compressor.ts for why node:zlib's compressed bytes differ).
 */
import { describe, expect, it } from "vitest";
import pako from "pako";
import fc from "fast-check";
import { dumpCacheEntry, loadCacheEntry, resolveCacheCoder, type CacheCoderOptions } from "../src/cache/coder.js";
import { dalliEntryBytes, dalliItem } from "../src/cache/dalli.js";
import { zlibCompressor } from "../src/cache/compressor.js";
import { dump as marshalDump, load as marshalLoad } from "../src/marshal/index.js";
import { RubyObject } from "../src/ruby/types.js";
import { stringifyKeys } from "../src/session/store.js";
import { asRailsReads } from "./helpers/vectors.js";
import { coderOptionsFor, describeVector, serverVectors, storeBytes, type ServerVector } from "./helpers/serverVectors.js";

const classicZlib = { deflate: (b: Uint8Array) => pako.deflate(b), inflate: (b: Uint8Array) => pako.inflate(b) };
const cacheVectors = serverVectors.filter((v) => v.store !== "redis_session_store");


function entryBytesOf(v: ServerVector): Uint8Array {
  return v.store === "mem_cache_store" ? dalliEntryBytes(storeBytes(v), v.store_flags!, zlibCompressor) : storeBytes(v);
}

describe("cache entries real Rails wrote", () => {
  it("has every cache vector", () => expect(cacheVectors.length).toBe(175));
  for (const v of cacheVectors) {
    it(describeVector(v), () => {
      const coder = resolveCacheCoder({ ...coderOptionsFor(v), compressor: classicZlib });
      const bytes = entryBytesOf(v);
      const entry = loadCacheEntry(coder, bytes);
      expect(entry.format).toBe(v.entry["format"]);
      expect(entry.compressed).toBe(v.entry["compressed"]);
      expect(entry.expiresAt).toBe(v.entry["expires_at"]);
      const data = stringifyKeys(entry.value);
      expect(asRailsReads(data)).toEqual(v.rails_reads);
      // The same Ruby objects: Marshal'd, exactly Ruby's Marshal.dump of what Rails read. (A MessagePack
      // session holds extension types Marshal has no form for; its byte-identical re-encoding below says it.)
      if (v.cache_serializer !== "message_pack") expect(Buffer.from(marshalDump(data)).toString("base64")).toBe(v.rails_reads_marshal);

      // Written again at the same time, with the same expiry: the same bytes.
      const raw61 = entry.format === "6.1" ? (marshalLoad(bytes) as RubyObject).ivars : null;
      const now = raw61 && Number(v.rails.slice(0, 3)) < 7.0 ? (raw61["@created_at"] as number) : v.written_at;
      const expiresIn = v.store_options.expire_after ?? v.store_options.cache!.expires_in ?? null;
      const again = dumpCacheEntry(coder, data, { now, expiresIn, expiresAt: raw61 && Number(v.rails.slice(0, 3)) < 7.0 ? undefined : entry.expiresAt });
      expect(Buffer.from(again).toString("base64")).toBe(Buffer.from(bytes).toString("base64"));
      if (v.store === "mem_cache_store") {
        const item = dalliItem(again, entry.format === "6.1");
        expect(Buffer.from(item.body).equals(storeBytes(v))).toBe(true);
        expect(item.flags).toBe(v.store_flags);
      }
    });
  }
});

describe("bad cache entries", () => {
  const coder = resolveCacheCoder({ loadDefaults: "7.1" });
  const good = entryBytesOf(cacheVectors.find((v) => v.cache_format_version === "7.1" && v.entry["compressed"] === true)!);
  it("refuses garbage, truncation, lying lengths and foreign data with bad_session_entry", () => {
    const cases = [
      Buffer.from("garbage"),
      Buffer.from([]),
      good.subarray(0, 10), // truncated header
      good.subarray(0, 40), // truncated zlib
      Buffer.concat([good.subarray(0, 11), Buffer.from([0xff, 0xff, 0xff, 0x7f]), good.subarray(15)]), // version length past the end
      marshalDump({ not: "an entry" }), // another app's Marshal'd cache data
      Buffer.concat([Buffer.from([0x00]), marshalDump("a string")]),
    ];
    for (const bad of cases) expect(() => loadCacheEntry(coder, bad)).toThrow(expect.objectContaining({ code: "bad_session_entry" }));
  });
  it("a Marshal bomb under the key is refused, not loaded", () => {
    const deep = Buffer.concat([Buffer.from([0x00, 0x04, 0x08]), Buffer.alloc(100_000, "[\x06"), Buffer.from("0")]);
    const wide = Buffer.concat([Buffer.from([0x00, 0x04, 0x08, 0x5b, 0x04, 0xff, 0xff, 0xff, 0x7f])]); // Array claiming 2**31 entries
    for (const bomb of [deep, wide]) expect(() => loadCacheEntry(coder, bomb)).toThrow(expect.objectContaining({ code: "bad_session_entry" }));
  });
  it("a zlib bomb is refused, not inflated", () => {
    const bomb = zlibCompressor.deflate(new Uint8Array(64 * 1024 * 1024));
    const header = Buffer.from(good.subarray(0, 15));
    expect(() => loadCacheEntry(coder, Buffer.concat([header, bomb]))).toThrow(expect.objectContaining({ code: "bad_session_entry" }));
  });
  it("any flipped byte is refused or reads as some value, never crashes (property)", () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const b = Buffer.from(good);
        b[i] = b[i]! ^ x;
        try {
          loadCacheEntry(coder, b);
        } catch (error) {
          expect(error).toEqual(expect.objectContaining({ code: "bad_session_entry" }));
        }
      }),
      { numRuns: 300 },
    );
  });
  it("encode → decode is the identity in every format (property)", () => {
    const formats: CacheCoderOptions[] = [
      { loadDefaults: "6.1", railsVersion: "6.1" },
      { loadDefaults: "6.1", railsVersion: "7.0" },
      { loadDefaults: "7.0" },
      { loadDefaults: "7.1" },
      { loadDefaults: "7.1", serializer: "message_pack" },
      { loadDefaults: "7.1", serializer: "coder_marshal" },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
        fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
        (options, data, expiresIn) => {
          const c = resolveCacheCoder({ ...options, compressThreshold: 16 });
          const now = 1_800_000_000.25;
          const entry = loadCacheEntry(c, dumpCacheEntry(c, data, { now, expiresIn }));
          expect(asRailsReads(entry.value)).toEqual(asRailsReads(data));
          expect(entry.expiresAt).toBe(expiresIn === null ? null : expiresIn + now);
        },
      ),
      { numRuns: 200 },
    );
  });
});
