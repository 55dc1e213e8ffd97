/**
 * Rails' `ActiveSupport::MessagePack` serializer (activesupport/lib/active_support/message_pack/
 * serializer.rb, Rails 7.1+): `dump` writes the MessagePack integer 128 (`\xCC\x80`, the
 * signature) and then the object; `load` reads one value, requires it to be 128, then reads
 * exactly one more object (msgpack-ruby `full_unpack`: trailing bytes are an error).
 *
 * Values follow the mapping of src/ruby/types.ts; see docs/msgpack.md for the table and for what
 * is remembered so that `dumpRailsMessagePack(loadRailsMessagePack(b))` gives back `b`.
 */
import { PayloadError } from "../errors.js";
import { decodeMessagePack, decodeMessagePackPrefix } from "./decode.js";
import { encodeWithSignature, type EncodeOptions } from "./encode.js";

/** `SIGNATURE_INT`: the first value of every payload Rails writes. */
export const SIGNATURE_INT = 128;
/** `SIGNATURE`, `128.to_msgpack`. */
export const SIGNATURE = Uint8Array.of(0xcc, 0x80);

/** `ActiveSupport::MessagePack.signature?`: the first two bytes are exactly `\xCC\x80`. */
export function isRailsMessagePack(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0xcc && bytes[1] === 0x80;
}

/**
 * `ActiveSupport::MessagePack.load`. Throws `PayloadError` (code `bad_payload`) for anything Rails
 * would not read, and for input beyond this decoder's safety limits.
 */
export function loadRailsMessagePack(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) throw new PayloadError("MessagePack payload must be bytes");
  const { value, end } = decodeMessagePackPrefix(bytes);
  // `unpacker.read == SIGNATURE_INT`: Ruby's `==` also accepts 128.0, as do we.
  if (value !== SIGNATURE_INT) throw new PayloadError("Invalid serialization format: no MessagePack signature");
  return decodeMessagePack(bytes, end);
}

/** `ActiveSupport::MessagePack.dump`: the signature, then `value`. Throws `UnserializableError`, or `TooLargeError` beyond `options.maxBytes`. */
export function dumpRailsMessagePack(value: unknown, options: EncodeOptions = {}): Uint8Array {
  return encodeWithSignature(value, SIGNATURE_INT, options);
}

export { decodeMessagePack } from "./decode.js";
export { encodeMessagePack, type EncodeOptions } from "./encode.js";
export { markHashWithIndifferentAccess, isHashWithIndifferentAccess } from "./memory.js";
export { type MessagePackExtData } from "./extensions.js";
