/**
 * One shape to compare decoded values in: the `rails_reads` convention of the shared vectors'
 * README (Symbols as strings, Times as ISO-8601 with microseconds, binary strings as
 * {"$binary": base64}, Ranges as "1..10"), rendered as canonical text with big integers as exact
 * digits. Our values, the floor's, the peers' and what real Rails read all go through `canon`, so two
 * contenders agree exactly when their texts are equal.
 */
import { asRailsReads } from "../../test/helpers/vectors.js";

export { asRailsReads };

/** Canonical text: keys in insertion order (Ruby hashes are ordered too), bigints as digits. */
export function canon(value: unknown): string {
  const v = asRailsReads(value);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}:${canon(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}
