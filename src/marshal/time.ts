/**
 * Ruby `Time` in Marshal: `Iu:\tTime` + 8 bytes from time.c `time_mdump` + ivars.
 *
 * The 8 bytes are two little-endian 32-bit words of the time in UTC (gmtime), whatever its zone:
 *   p = 1<<31 | utc_p<<30 | (year-1900)<<14 | (mon-1)<<10 | mday<<5 | hour
 *   s = min<<26 | sec<<20 | usec
 * Years outside 1900..1900+0xffff append a length byte and the excess (little-endian).
 * Ivars: `nano_num`/`nano_den` (nanoseconds below the microsecond, a Rational), `submicro` (the
 * same as packed BCD, for Ruby 1.9.1), `offset` (seconds east of UTC, absent for UTC times) and
 * `zone` (the abbreviation, or nil). Their order follows Ruby's per-process ivar table, so a loaded
 * Time keeps its original ivars; a new one uses the order of a fresh Ruby 3.1 process.
 */
import { RubyTime } from "../ruby/types.js";
import type { Ivar } from "./meta.js";

const YEAR_MAX = 1900 + 0xffff;

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function ivar(ivars: Ivar[], name: string): unknown {
  return ivars.find((i) => i.name === name)?.value;
}

/** Returns undefined when the bytes are not a Time Ruby could have written. */
export function decodeTime(bytes: Uint8Array, ivars: Ivar[]): RubyTime | undefined {
  if (bytes.length < 8) return undefined;
  const p = u32(bytes, 0);
  const s = u32(bytes, 4);
  if ((p & 0x80000000) === 0) {
    // Ruby < 1.8 layout: seconds and microseconds since the epoch (time.c time_mload).
    return new RubyTime(p * 1000 + Math.floor(s / 1000), { nanosecondsPastMillisecond: (s % 1000) * 1000 });
  }
  const utc = ((p >>> 30) & 1) === 1;
  let year = ((p >>> 14) & 0xffff) + 1900;
  if (bytes.length > 8) {
    const n = bytes[8]! - 5;
    if (n < 1 || n > 6 || bytes.length !== 9 + n) return undefined;
    let ext = 0;
    for (let i = 0; i < n; i++) ext += bytes[9 + i]! * 2 ** (8 * i);
    if (year === 1900) year -= ext;
    else if (year === YEAR_MAX) year += ext;
    else return undefined;
  }
  const mon = (p >>> 10) & 0xf;
  const mday = (p >>> 5) & 0x1f;
  const hour = p & 0x1f;
  const min = (s >>> 26) & 0x3f;
  const sec = (s >>> 20) & 0x3f;
  const usec = s & 0xfffff;
  if (mon > 11 || mday < 1 || hour > 23 || min > 59 || sec > 60 || usec > 999_999) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, mon, mday);
  d.setUTCHours(hour, min, sec, Math.floor(usec / 1000));
  const ms = d.getTime();
  if (Number.isNaN(ms)) return undefined;
  let subMicroNanos = 0;
  const num = ivar(ivars, "nano_num");
  const den = ivar(ivars, "nano_den");
  if (typeof num === "number" && typeof den === "number" && den > 0) subMicroNanos = num / den;
  if (!(subMicroNanos >= 0 && subMicroNanos < 1000)) subMicroNanos = 0;
  const offset = ivar(ivars, "offset");
  const zone = ivar(ivars, "zone");
  return new RubyTime(ms, {
    nanosecondsPastMillisecond: (usec % 1000) * 1000 + subMicroNanos,
    utcOffset: utc ? null : typeof offset === "number" ? offset : 0,
    zone: typeof zone === "string" ? zone : null,
  });
}

/** time.c `time_mdump` for a JS Date (UTC) or a RubyTime. Ivar values are JS values to write fresh. */
export function encodeTime(t: Date): { bytes: Uint8Array; ivars: Array<{ name: string; value: unknown; ascii?: boolean }> } | undefined {
  const ms = t.getTime();
  if (Number.isNaN(ms)) return undefined;
  const rt = t instanceof RubyTime ? t : undefined;
  const past = rt?.nanosecondsPastMillisecond ?? 0;
  const d = new Date(ms);
  let year = d.getUTCFullYear();
  let extend = 0;
  if (year > YEAR_MAX) {
    extend = year - YEAR_MAX;
    year = YEAR_MAX;
  } else if (year < 1900) {
    extend = 1900 - year;
    year = 1900;
  }
  const usec = d.getUTCMilliseconds() * 1000 + Math.floor(past / 1000);
  const utc = !rt || rt.utcOffset === null;
  const p = (0x80000000 | ((utc ? 1 : 0) << 30) | ((year - 1900) << 14) | (d.getUTCMonth() << 10) | (d.getUTCDate() << 5) | d.getUTCHours()) >>> 0;
  const s = ((d.getUTCMinutes() << 26) | (d.getUTCSeconds() << 20) | usec) >>> 0;
  const head = [p & 0xff, (p >>> 8) & 0xff, (p >>> 16) & 0xff, p >>> 24, s & 0xff, (s >>> 8) & 0xff, (s >>> 16) & 0xff, s >>> 24];
  if (extend > 0) {
    const ext: number[] = [];
    for (let e = extend; e > 0; e = Math.floor(e / 256)) ext.push(e % 256);
    head.push(ext.length + 5, ...ext);
  }
  const ivars: Array<{ name: string; value: unknown; ascii?: boolean }> = [];
  const nsec = Math.round(past % 1000);
  if (nsec > 0) {
    ivars.push({ name: "nano_num", value: nsec }, { name: "nano_den", value: 1 });
    const b1 = (nsec % 10) << 4;
    const b0 = ((Math.floor(nsec / 100) % 10) << 4) | (Math.floor(nsec / 10) % 10);
    ivars.push({ name: "submicro", value: b1 === 0 ? new Uint8Array([b0]) : new Uint8Array([b0, b1]) });
  }
  if (!utc) ivars.push({ name: "offset", value: rt!.utcOffset });
  ivars.push({ name: "zone", value: utc ? "UTC" : rt!.zone, ascii: true });
  return { bytes: new Uint8Array(head), ivars };
}
