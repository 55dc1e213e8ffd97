/**
 * The cache's `compressor:` (activesupport/lib/active_support/cache.rb: `@options.delete(:compressor) { Zlib }`),
 * `Zlib::Deflate.deflate` / `Zlib::Inflate.inflate`: a zlib stream (RFC 1950) at the default level.
 *
 * The default here is node:zlib. It inflates whatever Ruby's zlib deflated, and Rails inflates what
 * it deflates, but Node bundles Chromium's zlib, whose deflate picks other matches than the zlib
 * Ruby links: the compressed bytes differ (same content). For entries byte-identical to Rails',
 * pass a compressor built on `pako` (a port of classic zlib): `{ deflate: pako.deflate, inflate: pako.inflate }`.
 */
import { deflateSync, inflateSync } from "node:zlib";

export interface Compressor {
  deflate(bytes: Uint8Array): Uint8Array;
  inflate(bytes: Uint8Array): Uint8Array;
}

/** Largest inflated entry accepted: a zlib bomb under a session key stops here, not in memory. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

export const zlibCompressor: Compressor = {
  deflate: (bytes) => deflateSync(bytes),
  inflate: (bytes) => inflateSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }),
};
