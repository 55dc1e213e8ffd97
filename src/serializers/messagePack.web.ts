/** The edge build's `:message_pack` serializer: detects at once, loads src/msgpack/ on first use (./lazy.ts). */
import { lazySerializer } from "./lazy.js";

// `ActiveSupport::MessagePack.signature?`: `\xCC\x80`, as src/msgpack/index.ts `isRailsMessagePack`.
export const messagePackSerializer = lazySerializer(
  "message_pack",
  (bytes) => bytes.length >= 2 && bytes[0] === 0xcc && bytes[1] === 0x80,
  async () => (await import("./messagePack.js")).messagePackSerializer,
);
