/**
 * Float text the way Marshal writes it: marshal.c `w_float`. This is NOT `Float#to_s`:
 * 1.0 → "1", 1e20 → "1e20", 1.0e-5 → "1e-05"'s cousin "1e-5", -0.0 → "-0".
 * Digits are the shortest that round-trip (`ruby_dtoa` mode 0); JavaScript's `toExponential()`
 * with no argument gives the same shortest digits.
 */
export function rubyFloatText(d: number): string {
  if (Number.isNaN(d)) return "nan";
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const sign = d < 0 ? "-" : "";
  const [mant, exp] = Math.abs(d).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const decpt = Number(exp) + 1;
  const digs = digits.length;
  if (decpt < -3 || decpt > digs) {
    return `${sign}${digits[0]}${digs > 1 ? "." + digits.slice(1) : ""}e${decpt - 1}`;
  }
  if (decpt > 0) {
    return `${sign}${digits.slice(0, decpt)}${digs > decpt ? "." + digits.slice(decpt) : ""}`;
  }
  return `${sign}0.${"0".repeat(-decpt)}${digits}`;
}

/** marshal.c `r_object` TYPE_FLOAT: "nan", "inf", "-inf", else `strtod` of the text up to a NUL. */
export function parseRubyFloat(text: string): number | undefined {
  const nul = text.indexOf("\0");
  const t = nul >= 0 ? text.slice(0, nul) : text;
  if (t === "nan") return NaN;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  // strtod accepts a leading decimal number; Ruby only ever writes the forms below.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/**
 * Ruby keeps most doubles as immediate "flonums" (include/ruby/internal/special_consts.h
 * `RB_FLONUM_P`): two equal flonums are the same object, so the second is written as a `@` link.
 */
export function isFlonum(d: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  if (hi === 0 && view.getUint32(4) === 0) return true; // +0.0
  if (hi === 0x30000000 && view.getUint32(4) === 0) return false;
  const bits = (hi >>> 28) & 7;
  return bits === 3 || bits === 4;
}

export function flonumKey(d: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  return view.getBigUint64(0).toString(16);
}
