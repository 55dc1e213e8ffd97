/**
 * `ActiveSupport::Cache` entries, byte for byte: how Rails' cache stores encode the value they keep
 * under a key. Three formats, chosen by `config.active_support.cache_format_version` (set by
 * `load_defaults`) or an explicit `serializer:`:
 *
 * - **6.1** (`:marshal_6_1`): `Marshal.dump(entry)`, an `ActiveSupport::Cache::Entry` object with
 *   ivars `@value`, `@version`, `@created_at`, `@expires_in` (and `@compressed`, when `@value` is the
 *   zlib-deflated `Marshal.dump` of the value). Rails 6.1 writes `@created_at = Time.now.to_f` and a
 *   relative `@expires_in`; Rails 7.0+ writes `@created_at = 0.0` and the absolute expiry in
 *   `@expires_in` (activesupport/lib/active_support/cache/entry.rb, both versions).
 * - **7.0** (`:marshal_7_0`): `"\x00" + Marshal.dump(entry.pack)`, or `"\x01" + deflate(…)` when
 *   compressed; `pack` is `[value, expires_at, version]` with trailing nils dropped
 *   (cache/serializer_with_fallback.rb `Marshal70WithFallback`).
 * - **7.1** (`:marshal_7_1`, `:message_pack`): `"\x00\x11"`, then `[type, expires_at, version_length]`
 *   packed `"CEl<"` (type 1 = serialized object, | 0x80 compressed; expires_at a little-endian
 *   double, -1.0 for none; version_length -1 for none), the version, then the payload:
 *   `Marshal.dump(value)` or `ActiveSupport::MessagePack::CacheSerializer.dump(value)`
 *   (cache/coder.rb `Coder#dump_compressed`).
 *
 * Compression (every format): when the serialized value is at least `compress_threshold` bytes
 * (default 1 KB, `DEFAULT_COMPRESS_LIMIT`) and deflating makes it smaller.
 *
 * Reading accepts every format whatever the configuration, as Rails 7.1's `SerializerWithFallback`
 * does, and turns anything else (garbage, truncated zlib, lying lengths, a Marshal bomb) into a
 * `SessionEntryError`.
 */
import { SessionEntryError, InvalidOptionError } from "../errors.js";
import { dump as marshalDump, load as marshalLoad } from "../marshal/index.js";
import { rubyFloatText } from "../marshal/float.js";
import { setMeta, type ObjectMeta, type Slot } from "../marshal/meta.js";
import { dumpRailsMessagePack, isRailsMessagePack, loadRailsMessagePack } from "../msgpack/index.js";
import { RubyObject } from "../ruby/types.js";
import { zlibCompressor, type Compressor } from "./compressor.js";

export type CacheFormatVersion = "6.1" | "7.0" | "7.1";
/** `serializer:` of a Rails 7.1+ cache store; `"coder_marshal"` is `coder: Marshal` (plain `Marshal.dump(entry)`, never compressed). */
export type CacheSerializer = "marshal_6_1" | "marshal_7_0" | "marshal_7_1" | "message_pack" | "coder_marshal";

export interface CacheCoderOptions {
  /** `config.load_defaults` of the app (sets `cache_format_version`): "6.1", "7.0", "7.1", … */
  loadDefaults?: string;
  /** The Rails version writing (default: loadDefaults). Decides the 6.1 entry's shape. */
  railsVersion?: string | number;
  /** `config.active_support.cache_format_version`; default from loadDefaults (7.1+ → 7.1, 7.0 → 7.0, older → 6.1). */
  cacheFormatVersion?: CacheFormatVersion;
  /** The cache store's `serializer:` (Rails 7.1+); default the format version's own. */
  serializer?: CacheSerializer;
  /** `compress:` (default true). */
  compress?: boolean;
  /** `compress_threshold:` in bytes (default 1024). */
  compressThreshold?: number;
  /** `compressor:` (default zlib through node:zlib, see compressor.ts). */
  compressor?: Compressor;
}

export interface ResolvedCacheCoder {
  serializer: CacheSerializer;
  compress: boolean;
  compressThreshold: number;
  compressor: Compressor;
  railsVersion: number;
}

/** A cache entry as the session store needs it. */
export interface CacheEntry {
  value: unknown;
  /** Unix seconds (a float, as Ruby's `Time#to_f`), or null for no expiry. */
  expiresAt: number | null;
  /** Which encoding the bytes were in. */
  format: CacheFormatVersion;
  compressed: boolean;
}

const ENTRY_CLASS = "ActiveSupport::Cache::Entry";
const SIGNATURE_71 = [0x00, 0x11];
const HEADER_71 = 15; // signature 2 + type 1 + expires_at 8 + version_length 4
const OBJECT_DUMP_TYPE = 0x01;
const COMPRESSED_FLAG = 0x80;
const DEFAULT_COMPRESS_LIMIT = 1024;

export function resolveCacheCoder(options: CacheCoderOptions = {}): ResolvedCacheCoder {
  const defaults = Number(options.loadDefaults ?? "7.1");
  const railsVersion = Number(options.railsVersion ?? options.loadDefaults ?? "7.1");
  if (!Number.isFinite(defaults) || !Number.isFinite(railsVersion)) throw new InvalidOptionError("loadDefaults / railsVersion must be versions such as \"7.1\"");
  const format = options.cacheFormatVersion ?? (defaults >= 7.1 ? "7.1" : defaults >= 7.0 ? "7.0" : "6.1");
  if (!["6.1", "7.0", "7.1"].includes(format)) throw new InvalidOptionError("cacheFormatVersion must be 6.1, 7.0 or 7.1");
  if (format === "6.1" && railsVersion >= 7.2) throw new InvalidOptionError("Rails 7.2 removed cache_format_version 6.1");
  if (format === "7.1" && railsVersion < 7.1) throw new InvalidOptionError("cache_format_version 7.1 exists from Rails 7.1");
  const serializer = options.serializer ?? (format === "7.1" ? "marshal_7_1" : format === "7.0" ? "marshal_7_0" : "marshal_6_1");
  if (!["marshal_6_1", "marshal_7_0", "marshal_7_1", "message_pack", "coder_marshal"].includes(serializer)) {
    throw new InvalidOptionError("serializer must be marshal_6_1, marshal_7_0, marshal_7_1, message_pack or coder_marshal");
  }
  if (options.serializer !== undefined && serializer !== "coder_marshal" && railsVersion < 7.1) throw new InvalidOptionError("a cache serializer: option exists from Rails 7.1");
  const compressThreshold = options.compressThreshold ?? DEFAULT_COMPRESS_LIMIT;
  if (!(Number.isInteger(compressThreshold) && compressThreshold >= 0)) throw new InvalidOptionError("compressThreshold must be a number of bytes");
  return { serializer, compress: options.compress ?? true, compressThreshold, compressor: options.compressor ?? zlibCompressor, railsVersion };
}

/** When an entry is written and for how long: Unix seconds as Ruby's `Time.now.to_f`. */
export interface EntryTiming {
  now: number;
  /** `expires_in:` seconds, or null. */
  expiresIn: number | null;
  /** The absolute expiry, when known exactly (default `expiresIn + now`, Rails' own arithmetic). */
  expiresAt?: number | null;
}

/** Encodes `value` as the configured cache would write it. */
export function dumpCacheEntry(coder: ResolvedCacheCoder, value: unknown, timing: EntryTiming): Uint8Array {
  // Entry#initialize (7.0+): `@expires_in = expires_in.to_f + Time.now.to_f`.
  const expiresAt = timing.expiresAt !== undefined ? timing.expiresAt : timing.expiresIn === null ? null : timing.expiresIn + timing.now;
  switch (coder.serializer) {
    case "marshal_6_1":
    case "coder_marshal":
      return dumpEntry61(coder, value, expiresAt, timing);
    case "marshal_7_0": {
      const pack = expiresAt === null ? [value] : [value, float(expiresAt)];
      const dumped = marshalDump(floatArray(pack));
      const compressed = tryCompress(coder, dumped);
      return concat([Uint8Array.of(compressed ? 0x01 : 0x00), compressed ?? dumped]);
    }
    case "marshal_7_1":
    case "message_pack": {
      let payload = coder.serializer === "message_pack" ? dumpRailsMessagePack(value) : marshalDump(value);
      let type = OBJECT_DUMP_TYPE;
      const compressed = tryCompress(coder, payload);
      if (compressed) {
        payload = compressed;
        type |= COMPRESSED_FLAG;
      }
      const header = new Uint8Array(HEADER_71);
      const view = new DataView(header.buffer);
      header.set(SIGNATURE_71, 0);
      header[2] = type;
      view.setFloat64(3, expiresAt ?? -1.0, true);
      view.setInt32(11, -1, true);
      return concat([header, payload]);
    }
  }
}

/** Decodes what a cache store holds under a key; throws `SessionEntryError` for anything that is not a cache entry. */
export function loadCacheEntry(coder: ResolvedCacheCoder, bytes: Uint8Array): CacheEntry {
  try {
    if (bytes.length >= 2 && bytes[0] === SIGNATURE_71[0] && bytes[1] === SIGNATURE_71[1]) return load71(coder, bytes);
    if (bytes.length >= 1 && (bytes[0] === 0x00 || bytes[0] === 0x01)) return load70(coder, bytes);
    if (bytes.length >= 2 && bytes[0] === 0x04 && bytes[1] === 0x08) return load61(coder, marshalLoad(bytes));
  } catch (error) {
    if (error instanceof SessionEntryError) throw error;
    throw new SessionEntryError(`not a readable cache entry: ${(error as Error).message}`, { cause: error });
  }
  throw new SessionEntryError("not an ActiveSupport::Cache entry (no 6.1, 7.0 or 7.1 signature)");
}

function load71(coder: ResolvedCacheCoder, bytes: Uint8Array): CacheEntry {
  if (bytes.length < HEADER_71) throw new SessionEntryError("cache entry header is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[2]!;
  const expiresAt = view.getFloat64(3, true);
  const versionLength = view.getInt32(11, true);
  if (versionLength > bytes.length - HEADER_71) throw new SessionEntryError("cache entry version length runs past the entry");
  let payload = bytes.subarray(HEADER_71 + Math.max(versionLength, 0));
  const compressed = (type & COMPRESSED_FLAG) !== 0;
  if (compressed) payload = coder.compressor.inflate(payload);
  // Types 2–4 are bare Strings (UTF-8, binary, US-ASCII): never a session Hash.
  if ((type & ~COMPRESSED_FLAG) !== OBJECT_DUMP_TYPE) throw new SessionEntryError(`cache entry holds a String (type ${type & ~COMPRESSED_FLAG}), not a session`);
  // SerializerWithFallback#load: the payload's own signature says which serializer wrote it.
  let value: unknown;
  if (isRailsMessagePack(payload)) value = loadRailsMessagePack(payload);
  else if (payload[0] === 0x04 && payload[1] === 0x08) value = marshalLoad(payload);
  else throw new SessionEntryError("cache entry payload is neither Marshal nor MessagePack");
  return { value, expiresAt: Number.isNaN(expiresAt) || expiresAt < 0 ? null : expiresAt, format: "7.1", compressed };
}

function load70(coder: ResolvedCacheCoder, bytes: Uint8Array): CacheEntry {
  const compressed = bytes[0] === 0x01;
  const dumped = compressed ? coder.compressor.inflate(bytes.subarray(1)) : bytes.subarray(1);
  const pack = marshalLoad(dumped);
  // `Entry.unpack(members)`: [value, expires_at, version].
  if (!Array.isArray(pack) || pack.length < 1 || pack.length > 3) throw new SessionEntryError("7.0 cache entry is not Entry#pack");
  return { value: pack[0], expiresAt: seconds(pack[1]), format: "7.0", compressed };
}

function load61(coder: ResolvedCacheCoder, entry: unknown): CacheEntry {
  if (!(entry instanceof RubyObject) || entry.className !== ENTRY_CLASS || entry.kind !== "object") {
    throw new SessionEntryError("Marshal data under the key is not an ActiveSupport::Cache::Entry");
  }
  const ivars = entry.ivars;
  const compressed = ivars["@compressed"] === true;
  let value = ivars["@value"];
  if (compressed) {
    if (!(value instanceof Uint8Array)) throw new SessionEntryError("compressed cache entry has no compressed bytes");
    value = marshalLoad(coder.compressor.inflate(value));
  }
  const createdAt = seconds(ivars["@created_at"]) ?? 0;
  const expiresIn = seconds(ivars["@expires_in"]);
  return { value, expiresAt: expiresIn === null ? null : createdAt + expiresIn, format: "6.1", compressed };
}

/** `Marshal.dump(entry)` (6.1 shape, see the module comment), compressed like `Entry#compress!`/`#compressed` unless `coder: Marshal`. */
function dumpEntry61(coder: ResolvedCacheCoder, value: unknown, expiresAt: number | null, timing: EntryTiming): Uint8Array {
  const rails70 = coder.railsVersion >= 7.0;
  // Rails 6.1 Entry#initialize: `@created_at = Time.now.to_f`, `@expires_in = expires_in.to_f`.
  const createdAt = rails70 ? 0 : timing.now;
  const expiresIn = rails70 ? expiresAt : timing.expiresIn;
  let stored = value;
  let compressed = false;
  // Entry#compressed: nil/true/false/Numeric never; a String by its own bytes; anything else its Marshal.dump.
  if (coder.serializer !== "coder_marshal" && value !== null && typeof value === "object") {
    const dumped = marshalDump(value);
    const deflated = tryCompress(coder, dumped);
    if (deflated) {
      stored = deflated;
      compressed = true;
    }
  }
  const slots: Array<[string, unknown, boolean]> = [
    ["@value", stored, false],
    ["@version", null, false],
    ["@created_at", createdAt, true],
    ["@expires_in", expiresIn, expiresIn !== null],
  ];
  if (compressed) slots.push(["@compressed", true, false]);
  const ivars = Object.create(null) as Record<string, unknown>;
  const meta: ObjectMeta = { kind: "object", order: [], slots: new Map<string, Slot>(), data: undefined, ivars: [], extended: [], userClass: null };
  for (const [name, v, isFloat] of slots) {
    ivars[name] = v;
    meta.order.push(name);
    meta.slots.set(name, { value: v, node: isFloat ? floatNode(v as number) : undefined });
  }
  const entry = new RubyObject(ENTRY_CLASS, { ivars });
  setMeta(entry, meta);
  return marshalDump(entry);
}

function tryCompress(coder: ResolvedCacheCoder, bytes: Uint8Array): Uint8Array | null {
  if (!coder.compress || coder.serializer === "coder_marshal" || bytes.length < coder.compressThreshold) return null;
  const deflated = coder.compressor.deflate(bytes);
  return deflated.length < bytes.length ? deflated : null;
}

/** A Ruby Float slot, even for an integral value (Marshal would otherwise write an Integer). */
function floatNode(d: number) {
  return { kind: "float" as const, text: rubyFloatText(d), ivars: [], extended: [], userClass: null };
}

const FLOAT = Symbol("float");
type Floated = { [FLOAT]: number };
function float(d: number): Floated {
  return { [FLOAT]: d };
}

/** An Array whose `float()` members are written as Ruby Floats. */
function floatArray(members: unknown[]): unknown[] {
  const out = members.map((m) => (m !== null && typeof m === "object" && FLOAT in m ? (m as Floated)[FLOAT] : m));
  const slots: Slot[] = members.map((m, i) => ({ value: out[i], node: m !== null && typeof m === "object" && FLOAT in m ? floatNode(out[i] as number) : undefined }));
  setMeta(out, { kind: "array", slots, ivars: [], extended: [], userClass: null });
  return out;
}

function seconds(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new SessionEntryError("cache entry time is not a number");
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
