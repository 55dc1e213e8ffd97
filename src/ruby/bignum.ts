/**
 * The magnitude of a big Integer as bytes, least significant first: how Marshal (`l`, 16-bit words,
 * marshal.c `w_bignum`) and MessagePack (`MessagePack::Bigint`, 32-bit chunks) lay Bignums out.
 *
 * Through the hexadecimal text, which V8 writes in linear time: peeling 16 bits at a time with
 * `& 0xffff` / `>>= 16n` copies the whole BigInt per step, quadratic in its size (a 10**6-digit
 * Integer took over 10 s).
 */
export function magnitudeBytesLE(magnitude: bigint, multipleOf: number): Uint8Array {
  if (magnitude < 0n) throw new RangeError("magnitude must not be negative");
  const hex = magnitude === 0n ? "" : magnitude.toString(16);
  const n = Math.ceil(Math.ceil(hex.length / 2) / multipleOf) * multipleOf;
  const out = new Uint8Array(n);
  // Two hex digits per byte, from the end of the text (the least significant byte) backwards.
  for (let i = 0, end = hex.length; end > 0; i++, end -= 2) {
    out[i] = parseInt(hex.slice(Math.max(0, end - 2), end), 16);
  }
  return out;
}
