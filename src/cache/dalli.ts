/**
 * How Dalli (the memcached client of Rails' MemCacheStore, dalli 3.x lib/dalli/protocol/value_serializer.rb
 * and value_compressor.rb) turns a Ruby value into a memcached item: the item's flags say what the
 * body is. FLAG_SERIALIZED (0x1): `Marshal.dump(value)`; FLAG_COMPRESSED (0x2): then zlib-deflated
 * (Rails passes `compress: false`, compressing inside the entry instead, so it writes only 0x1).
 *
 * Rails 6.1's MemCacheStore hands Dalli the `Entry` itself, so the body is `Marshal.dump(entry)`:
 * the 6.1 cache format exactly. From 7.0 on it hands Dalli the coder's String, so the body is
 * `Marshal.dump(that binary String)`: `"\x04\x08\""`, its length, the 7.0/7.1 entry bytes.
 */
import { SessionEntryError } from "../errors.js";
import { dump as marshalDump, load as marshalLoad } from "../marshal/index.js";
import type { Compressor } from "./compressor.js";

export const FLAG_SERIALIZED = 0x1;
export const FLAG_COMPRESSED = 0x2;

/** The cache entry bytes inside a memcached item (for the coder to decode). */
export function dalliEntryBytes(body: Uint8Array, flags: number, compressor: Compressor): Uint8Array {
  let bytes = body;
  if (flags & FLAG_COMPRESSED) bytes = compressor.inflate(bytes);
  if (!(flags & FLAG_SERIALIZED)) return bytes;
  // A Marshal'd binary String (7.0+): unwrap it; a Marshal'd Entry object (6.1) is the entry itself.
  if (bytes[0] === 0x04 && bytes[1] === 0x08 && bytes[2] === 0x22) {
    const inner = marshalLoad(bytes);
    if (!(inner instanceof Uint8Array)) throw new SessionEntryError("memcached item is not a Marshal'd cache entry String");
    return inner;
  }
  return bytes;
}

/** The memcached item body Dalli writes for a cache entry the coder produced. */
export function dalliItem(entryBytes: Uint8Array, format61: boolean): { body: Uint8Array; flags: number } {
  return { body: format61 ? entryBytes : marshalDump(entryBytes), flags: FLAG_SERIALIZED };
}
