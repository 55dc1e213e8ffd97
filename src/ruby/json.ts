/**
 * Making decoded Ruby values safe for `JSON.stringify`.
 *
 * Ruby Integers beyond 2**53 decode to `bigint` (src/ruby/types.ts), and JavaScript's JSON throws a
 * TypeError on any bigint. We never patch `BigInt.prototype`: instead every container that directly
 * holds a bigint gets a non-enumerable own `toJSON` that returns a shallow copy with each bigint
 * written as its exact decimal string (what Ruby's `Integer#to_s` gives; a JSON number would lose
 * digits in most readers). Deeper containers carry their own `toJSON`, so one level is enough.
 *
 * Shared by the Marshal and MessagePack loaders: call `defineBigIntToJSON` on each array, null-prototype
 * object or Map you build, after filling it.
 */

import { RubySymbol } from "./types.js";
import { latin1String } from "../bytes/index.js";

/** Replaces a bigint by its decimal string, leaves anything else alone. */
function jsonSafe(value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * JSON key for a Map key, as Ruby's `Hash#as_json` gives it (`key.to_s`): a Symbol gives its name,
 * a binary String its bytes, other objects their JSON. Never throws on prototype-less objects.
 */
function mapKeyToJSON(key: unknown): string {
  if (key === null || key === undefined) return "";
  if (key instanceof RubySymbol) return key.name;
  if (key instanceof Uint8Array) return latin1String(key);
  if (typeof key === "object") {
    // A key that contains its own Map (cyclic Ruby data) would recurse until the stack overflows;
    // fail the way JSON.stringify fails on any other cycle.
    if (keysBeingWritten.has(key)) throw new TypeError("Converting circular structure to JSON");
    keysBeingWritten.add(key);
    try {
      return JSON.stringify(key) ?? "";
    } finally {
      keysBeingWritten.delete(key);
    }
  }
  return String(key);
}

const keysBeingWritten = new Set<object>();

/**
 * Adds a non-enumerable `toJSON` to `container` when it needs one:
 * - an array or plain object that directly holds a bigint: a copy with bigints as decimal strings;
 * - any Map: a null-prototype object keyed by `String(key)` (Ruby's `Hash#as_json` stringifies keys),
 *   since `JSON.stringify` would otherwise print every Map as `{}`.
 *
 * An object whose own data already has a `toJSON` key is left alone (the key is data, not ours to
 * shadow). Returns `container`.
 */
export function defineBigIntToJSON<T extends object>(container: T): T {
  if (container instanceof Map) {
    Object.defineProperty(container, "toJSON", { value: mapToJSON, enumerable: false, configurable: true, writable: true });
    return container;
  }
  if (Array.isArray(container)) {
    if (!container.some((v) => typeof v === "bigint")) return container;
    Object.defineProperty(container, "toJSON", { value: arrayToJSON, enumerable: false, configurable: true, writable: true });
    return container;
  }
  if (Object.prototype.hasOwnProperty.call(container, "toJSON")) return container;
  const record = container as Record<string, unknown>;
  if (!Object.keys(record).some((k) => typeof record[k] === "bigint")) return container;
  Object.defineProperty(container, "toJSON", { value: recordToJSON, enumerable: false, configurable: true, writable: true });
  return container;
}

function mapToJSON(this: Map<unknown, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of this) out[mapKeyToJSON(k)] = jsonSafe(v);
  return out;
}

function arrayToJSON(this: unknown[]): unknown[] {
  return this.map(jsonSafe);
}

function recordToJSON(this: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(this)) out[k] = jsonSafe(this[k]);
  return out;
}

/**
 * The `toJSON` this module gave a container, if it has one: the JSON writer of the `:json`
 * serializer (src/serializers/json.ts) writes such containers itself, bigints as numbers, as
 * ActiveSupport writes an Integer; the decimal strings are only for `JSON.stringify`.
 */
export function isDecodedToJSON(fn: unknown): boolean {
  return fn === mapToJSON || fn === arrayToJSON || fn === recordToJSON;
}

/** The JSON key of a Map key (Ruby's `Hash#as_json`: `key.to_s`), as `JSON.stringify` of a decoded Map uses. */
export { mapKeyToJSON };
