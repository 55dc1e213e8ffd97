/**
 * Rails' `:marshal` cookie serializer (activesupport/lib/active_support/messages/serializer_with_fallback.rb,
 * `MarshalWithFallback`): Ruby `Marshal.dump`/`Marshal.load`, detected by the `\x04\x08` version prefix.
 * All the work is in src/marshal/ (docs/marshal.md).
 */
import { TooLargeError, UnserializableError } from "../errors.js";
import { DEFAULT_MAX_SERIALIZED_BYTES } from "./json.js";
import { dump, load } from "../marshal/index.js";
import type { Serializer } from "./types.js";

export const marshalSerializer: Serializer = {
  format: "marshal",
  detect(bytes: Uint8Array): boolean {
    return bytes.length >= 2 && bytes[0] === 0x04 && bytes[1] === 0x08;
  },
  dump(value, options = {}): Uint8Array {
    let bytes: Uint8Array;
    try {
      // Marshal links shared objects, so this never expands a DAG: the size check is only the budget every serializer honours.
      bytes = dump(value);
    } catch (e) {
      if (e instanceof UnserializableError) throw e;
      throw new UnserializableError(`cannot write as Marshal: ${e instanceof Error ? e.message : String(e)}`);
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_SERIALIZED_BYTES;
    if (bytes.length > maxBytes) throw new TooLargeError(`value is larger than ${maxBytes} bytes as Marshal`);
    return bytes;
  },
  load(bytes: Uint8Array): unknown {
    return load(bytes); // throws MarshalError (code "bad_marshal") and nothing else
  },
};
