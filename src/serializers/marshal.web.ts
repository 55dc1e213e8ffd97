/** The edge build's `:marshal` serializer: detects at once, loads src/marshal/ on first use (./lazy.ts). */
import { lazySerializer } from "./lazy.js";

// `\x04\x08`, as ./marshal.ts detects it.
export const marshalSerializer = lazySerializer(
  "marshal",
  (bytes) => bytes.length >= 2 && bytes[0] === 0x04 && bytes[1] === 0x08,
  async () => (await import("./marshal.js")).marshalSerializer,
);
