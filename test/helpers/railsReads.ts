/**
 * The `rails_reads` shape of a decoded value, with the Ruby value classes passed in: the vectors'
 * tests use src/'s, the runtime probe (test/runtimes/probe.ts) the ones of the package build it runs.
 * No Node API here: the probe runs in Deno, Bun, workerd and the Edge runtime.
 */
interface RubyTypes {
  RubyTime: abstract new (...args: never[]) => { toISOStringMicro(): string };
  RubySymbol: abstract new (...args: never[]) => { name: string };
  RubyObject: abstract new (...args: never[]) => { toJSON(): unknown };
}

export function railsReadsWith(types: RubyTypes, base64: (bytes: Uint8Array) => string): (value: unknown) => unknown {
  const asRailsReads = (value: unknown): unknown => {
    if (value instanceof types.RubyTime) return value.toISOStringMicro();
    if (value instanceof types.RubySymbol) return value.name;
    if (value instanceof types.RubyObject) return value.toJSON();
    if (value instanceof Uint8Array) return { $binary: base64(value) };
    if (Array.isArray(value)) return value.map(asRailsReads);
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(asRailsReads(k)), asRailsReads(v)]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asRailsReads(v)]));
    }
    return value;
  };
  return asRailsReads;
}
