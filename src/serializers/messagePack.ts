/**
 * `:message_pack` (Rails 7.1+): `ActiveSupport::MessagePack` as the cookie jar uses it through
 * `SerializerWithFallback[:message_pack]`
 * (activesupport/lib/active_support/messages/serializer_with_fallback.rb,
 * activesupport/lib/active_support/message_pack/serializer.rb).
 *
 * `detect` is `MessagePackWithFallback.dumped?` → `ActiveSupport::MessagePack.signature?`: the first
 * two bytes are exactly `\xCC\x80` (the integer 128). `dump` writes that signature and the object;
 * `load` requires it. The codec itself is src/msgpack/.
 */
import { dumpRailsMessagePack, isRailsMessagePack, loadRailsMessagePack } from "../msgpack/index.js";
import type { Serializer } from "./types.js";

export const messagePackSerializer: Serializer = {
  format: "message_pack",
  detect: isRailsMessagePack,
  dump: dumpRailsMessagePack,
  load: loadRailsMessagePack,
};
