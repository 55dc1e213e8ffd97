/**
 * `JSON.stringify` throws on bigint. Containers that `load` builds and that directly hold a bigint
 * get a non-enumerable `toJSON` returning a shallow copy with those bigints as exact decimal strings
 * (BigInt.prototype is left alone). A Map (a Ruby Hash with non-String keys) always gets one that
 * gives an object keyed by `String(key)` — a Symbol key gives its name, as Ruby's `as_json` does.
 */
function plain(v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

function define(target: object, fn: () => unknown): void {
  Object.defineProperty(target, "toJSON", { value: fn, enumerable: false, configurable: true, writable: true });
}

export function addJSON(container: unknown[] | Record<string, unknown> | Map<unknown, unknown>): void {
  if (container instanceof Map) {
    define(container, function (this: Map<unknown, unknown>) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of this) Object.defineProperty(out, String(k), { value: plain(v), enumerable: true, configurable: true, writable: true });
      return out;
    });
    return;
  }
  if (Array.isArray(container)) {
    if (container.some((v) => typeof v === "bigint")) define(container, function (this: unknown[]) { return this.map(plain); });
    return;
  }
  if (Object.prototype.hasOwnProperty.call(container, "toJSON")) return; // a Ruby key named "toJSON" wins
  if (Object.values(container).some((v) => typeof v === "bigint")) {
    define(container, function (this: Record<string, unknown>) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(this)) Object.defineProperty(out, k, { value: plain(this[k]), enumerable: true, configurable: true, writable: true });
      return out;
    });
  }
}
