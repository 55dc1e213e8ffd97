/**
 * Showing decoded Ruby values: as JSON for programs, and Ruby-style for people.
 *
 * JSON mapping (the README's "Ruby values", and what `rails_reads` in the shared vectors uses):
 * Integer → a JSON number with every digit (bigints are written as raw number tokens, never strings
 * and never rounded), Float → number (NaN/Infinity → null, as ActiveSupport's `Float#as_json`),
 * RubyTime → ISO-8601 with microseconds, RubySymbol → its name, binary String (Uint8Array) →
 * `{"$binary": base64}`, RubyObject → its `toJSON()` (a Range → "1..10"), Hash with non-String keys
 * (Map) → an object keyed by the keys' text.
 */
import { TooLargeError } from "../errors.js";
import { RubyObject, RubySymbol, RubyTime } from "../ruby/types.js";

/**
 * The most text a value is shown as. A decoded cookie is a few KB, but JSON and the Ruby-style view
 * write a shared object once per reference, so 200 bytes of Marshal (40 levels of `[a, a]`) would be
 * 2**40 values: past this budget the command stops with `too_large` instead of running for minutes.
 */
export const MAX_SHOWN_CHARS = 4 * 1024 * 1024;

/** What is left of the output budget of one `toJson` / `rubyInspect` call. */
interface Budget {
  left: number;
}

function spend(budget: Budget, n: number): void {
  budget.left -= n;
  if (budget.left < 0) {
    throw new TooLargeError(`the value is more than ${MAX_SHOWN_CHARS} characters long when written out (it shares objects, and each reference is written in full)`);
  }
}

// ───────────────────────────── JSON ─────────────────────────────

function mapKey(key: unknown, budget: Budget): string {
  if (key instanceof RubySymbol) return key.name;
  if (key instanceof Uint8Array) return Buffer.from(key).toString("latin1");
  if (typeof key === "string") return key;
  if (key === null || key === undefined) return "";
  if (typeof key === "object") return write(key, 0, "", new Set(), budget);
  return String(key);
}

/** JSON text for a decoded value, big integers exact. `indent` > 0 pretty-prints. */
export function toJson(value: unknown, indent = 0): string {
  return write(value, indent, "", new Set(), { left: MAX_SHOWN_CHARS });
}

function write(value: unknown, indent: number, pad: string, seen: Set<object>, budget: Budget): string {
  const text = writeValue(value, indent, pad, seen, budget);
  // A leaf pays for its text; a container for its padding and keys, entry by entry (below): the
  // budget then counts the whole output once, which bounds the work too.
  if (!isContainer(value)) spend(budget, text.length);
  return text;
}

function isContainer(value: unknown): boolean {
  return Array.isArray(value) || value instanceof Map || value instanceof RubyObject || (value !== null && typeof value === "object" && !(value instanceof Date) && !(value instanceof RubySymbol) && !(value instanceof Uint8Array));
}

function writeValue(value: unknown, indent: number, pad: string, seen: Set<object>, budget: Budget): string {
  spend(budget, 1);
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object") return "null";
  if (value instanceof RubyTime) return JSON.stringify(value.toISOStringMicro());
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  if (value instanceof RubySymbol) return JSON.stringify(value.name);
  if (value instanceof Uint8Array) return write({ $binary: Buffer.from(value).toString("base64") }, indent, pad, seen, budget);
  if (seen.has(value)) return "null"; // Ruby's JSON refuses cycles too; never loop.
  seen.add(value);
  try {
    if (value instanceof RubyObject) return write(value.toJSON(), indent, pad, seen, budget);
    const inner = pad + " ".repeat(indent);
    const nl = indent > 0 ? "\n" : "";
    const sep = indent > 0 ? ": " : ":";
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      return `[${nl}${value.map((v) => (spend(budget, inner.length + 2), inner + write(v, indent, inner, seen, budget))).join(`,${nl}`)}${nl}${pad}]`;
    }
    const entries: [string, unknown][] =
      value instanceof Map ? [...value].map(([k, v]) => [mapKey(k, budget), v]) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return `{${nl}${entries.map(([k, v]) => (spend(budget, inner.length + k.length + 4), `${inner}${JSON.stringify(k)}${sep}${write(v, indent, inner, seen, budget)}`)).join(`,${nl}`)}${nl}${pad}}`;
  } finally {
    seen.delete(value);
  }
}

// ───────────────────────────── colour ─────────────────────────────

export interface Paint {
  key(s: string): string;
  str(s: string): string;
  num(s: string): string;
  sym(s: string): string;
  dim(s: string): string;
  bad(s: string): string;
  good(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

/** Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function paintFor(isTTY: boolean, env: Record<string, string | undefined>): Paint {
  const on = isTTY && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "") && env["TERM"] !== "dumb";
  if (!on) return { key: plain, str: plain, num: plain, sym: plain, dim: plain, bad: plain, good: plain, bold: plain };
  return {
    key: wrap(36, 39),
    str: wrap(32, 39),
    num: wrap(33, 39),
    sym: wrap(35, 39),
    dim: wrap(2, 22),
    bad: wrap(31, 39),
    good: wrap(32, 39),
    bold: wrap(1, 22),
  };
}

// ───────────────────────────── Ruby-style ─────────────────────────────

/** `String#inspect`-like quoting (double quotes, escapes for control characters). */
function rubyString(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f\u007f#]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
      case "\u001b":
        return "\\e";
      case "#":
        return "#"; // Ruby escapes only "#{", "#$", "#@"; plain # is fine here.
      default:
        return `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
    }
  })}"`;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** `Time#inspect`: `2024-02-29 12:30:45.123456 UTC` (or `+0100` for an offset). */
export function rubyTime(t: RubyTime): string {
  const offset = t.utcOffset ?? 0;
  const local = new Date(t.getTime() + offset * 1000);
  // Ruby prints the fraction exactly, trailing zeros dropped (`Time#inspect`, time.c).
  const nanos = (local.getUTCMilliseconds() * 1_000_000 + Math.floor(t.nanosecondsPastMillisecond)).toString().padStart(9, "0").replace(/0+$/, "");
  const frac = nanos === "" ? "" : `.${nanos}`;
  const zone =
    t.utcOffset === null
      ? "UTC"
      : `${offset < 0 ? "-" : "+"}${two(Math.floor(Math.abs(offset) / 3600))}${two(Math.floor((Math.abs(offset) % 3600) / 60))}`;
  return `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${frac} ${zone}`;
}

function binary(b: Uint8Array, p: Paint): string {
  const buf = Buffer.from(b);
  const hex = buf.toString("hex");
  const shown = hex.length > 64 ? `${hex.slice(0, 64)}…` : hex;
  return `${p.str(`<binary ${buf.length} bytes hex:${shown}`)}${p.dim(` base64:${buf.toString("base64")}`)}${p.str(">")}`;
}

/** Ruby-looking, indented rendering of a decoded value, for people (`inspect` command). */
export function rubyInspect(value: unknown, p: Paint, pad = "", seen = new Set<object>(), budget: Budget = { left: MAX_SHOWN_CHARS }): string {
  const text = inspectValue(value, p, pad, seen, budget);
  // As in `write`: leaves pay for their text, containers for each entry's padding.
  spend(budget, isContainer(value) ? pad.length + 4 : text.length);
  return text;
}

function inspectValue(value: unknown, p: Paint, pad: string, seen: Set<object>, budget: Budget): string {
  if (value === null || value === undefined) return p.dim("nil");
  if (typeof value === "boolean") return p.num(String(value));
  if (typeof value === "bigint") return p.num(value.toString());
  if (typeof value === "number") {
    if (Number.isNaN(value)) return p.num("NaN");
    if (!Number.isFinite(value)) return p.num(value > 0 ? "Infinity" : "-Infinity");
    return p.num(String(value));
  }
  if (typeof value === "string") return p.str(rubyString(value));
  if (typeof value !== "object") return String(value);
  if (value instanceof RubySymbol) return p.sym(`:${/^[A-Za-z_][A-Za-z0-9_]*[?!=]?$/.test(value.name) ? value.name : rubyString(value.name)}`);
  if (value instanceof RubyTime) return p.num(rubyTime(value));
  if (value instanceof Date) return p.num(value.toISOString());
  if (value instanceof Uint8Array) return binary(value, p);
  if (seen.has(value)) return p.dim("[...]");
  seen.add(value);
  try {
    const inner = pad + "  ";
    if (value instanceof RubyObject) {
      if (value.className === "Range") return p.num(String(value.toJSON()));
      const fields = Object.entries(value.ivars);
      const data = value.data === undefined ? [] : [["data", value.data] as const];
      const all = [...fields, ...data];
      if (all.length === 0) return p.sym(`#<${value.className}>`);
      return `${p.sym(`#<${value.className}`)}\n${all.map(([k, v]) => `${inner}${p.key(k)}=${rubyInspect(v, p, inner, seen, budget)}`).join(",\n")}\n${pad}${p.sym(">")}`;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      return `[\n${value.map((v) => inner + rubyInspect(v, p, inner, seen, budget)).join(",\n")}\n${pad}]`;
    }
    const entries: [unknown, unknown][] = value instanceof Map ? [...value] : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, v]) => `${inner}${rubyInspect(k, p, inner, seen, budget)} => ${rubyInspect(v, p, inner, seen, budget)}`).join(",\n")}\n${pad}}`;
  } finally {
    seen.delete(value);
  }
}
