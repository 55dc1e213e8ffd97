/** Helpers for the Marshal tests: lossless JSON, and what `rails_reads` shows for a loaded value. */
import { RubyObject, RubySymbol, RubyTime } from "../src/ruby/types.js";

/** JSON.parse that keeps integers beyond 2**53 exact (as bigint), for `rails_reads`. */
export function parseJSONExact(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const val = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") return i++, o;
      for (;;) {
        ws();
        const k = val() as string;
        ws();
        i++; // :
        o[k] = val();
        ws();
        if (text[i++] === "}") return o;
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === "]") return i++, a;
      for (;;) {
        a.push(val());
        ws();
        if (text[i++] === "]") return a;
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i))!;
      i += m[0].length;
      return JSON.parse(m[0]);
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i))!;
    i += m[0].length;
    if (/^-?\d+$/.test(m[0])) {
      const b = BigInt(m[0]);
      return Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b ? Number(b) : b;
    }
    return JSON.parse(m[0]);
  };
  return val();
}

/** The README's `rails_reads` view: Time → ISO micro, binary → {$binary}, Symbol → name, Range → "1..10". */
export function asRailsReads(v: unknown): unknown {
  if (v instanceof RubyTime) return v.toISOStringMicro();
  if (v instanceof Uint8Array) return { $binary: Buffer.from(v).toString("base64") };
  if (v instanceof RubySymbol) return v.name;
  if (v instanceof RubyObject) return v.toJSON();
  if (Array.isArray(v)) return v.map(asRailsReads);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(asRailsReads(k)), asRailsReads(x)]));
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).map((k) => [k, asRailsReads((v as Record<string, unknown>)[k])]));
  return v;
}
