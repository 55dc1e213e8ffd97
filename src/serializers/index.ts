/**
 * Serializer layer: which format a cookie is written in, and which formats a reader accepts.
 *
 * Rails' rules differ by version (spec §3.4):
 * - 4.2–6.0: `:marshal` reads Marshal, `:json` reads JSON, `:hybrid` reads both and rewrites
 *   Marshal as JSON (actionpack/lib/action_dispatch/middleware/cookies.rb `SerializedCookieJars`).
 * - 6.1–7.0: `:marshal` is `MarshalWithJsonFallback` and also reads JSON, without rewriting.
 * - 7.1+: the format is detected from the first bytes and each serializer has its own fallbacks
 *   (activesupport/lib/active_support/messages/serializer_with_fallback.rb): everything reads JSON
 *   and MessagePack, only `:marshal` and `*_allow_marshal` read Marshal, and a cookie read in a
 *   format other than the serializer's own is rewritten (except under `:marshal`).
 */
import { UnsupportedSerializerError } from "../errors.js";
import type { CookiesSerializer } from "../config.js";
import { jsonSerializer } from "./json.js";
import { marshalSerializer } from "./marshal.js";
import { messagePackSerializer } from "./messagePack.js";
import type { DumpOptions, Serializer, SerializerFormat } from "./types.js";

export type { DumpOptions, Serializer, SerializerFormat } from "./types.js";
export { jsonSerializer, encodeJson, decodeJson, MAX_JSON_NESTING, DEFAULT_MAX_SERIALIZED_BYTES } from "./json.js";
export { marshalSerializer } from "./marshal.js";
export { messagePackSerializer } from "./messagePack.js";

const BY_FORMAT: Record<SerializerFormat, Serializer> = {
  json: jsonSerializer,
  marshal: marshalSerializer,
  message_pack: messagePackSerializer,
};

/** The format a serializer writes. */
export function writtenFormat(serializer: CookiesSerializer): SerializerFormat {
  if (serializer === "marshal") return "marshal";
  if (serializer.startsWith("message_pack")) return "message_pack";
  return "json";
}

/**
 * Value → bytes in the serializer's own format. Throws `UnserializableError`, or `TooLargeError`
 * beyond `options.maxBytes` (default 1 MiB; the cookie jar passes 4096, as no larger payload fits a cookie).
 */
export function serialize(value: unknown, serializer: CookiesSerializer, options: DumpOptions = {}): Uint8Array {
  return BY_FORMAT[writtenFormat(serializer)].dump(value, options);
}

/** Rails 7.1 `detect_format`: MessagePack signature, then Marshal signature, then the JSON pattern. */
export function detectFormat(bytes: Uint8Array): SerializerFormat | null {
  if (messagePackSerializer.detect(bytes)) return "message_pack";
  if (marshalSerializer.detect(bytes)) return "marshal";
  if (jsonSerializer.detect(bytes)) return "json";
  return null;
}

export interface Deserialized {
  value: unknown;
  /** The format the bytes were in. */
  format: SerializerFormat;
  /** Rails would rewrite this cookie in the serializer's own format. */
  needsRewrite: boolean;
}

function refuse(found: SerializerFormat | null, serializer: CookiesSerializer): never {
  throw new UnsupportedSerializerError(
    found === null
      ? `payload is in no known serialization (cookies_serializer :${serializer})`
      : `payload is ${found}, which cookies_serializer :${serializer} does not read`,
  );
}

/** Bytes → value under `serializer`, with the reading rules of `railsVersion`. */
export function deserialize(bytes: Uint8Array, serializer: CookiesSerializer, railsVersion: number): Deserialized {
  const found = detectFormat(bytes);
  const own = writtenFormat(serializer);
  const allowMarshal = serializer === "marshal" || serializer === "hybrid" || serializer === "message_pack_allow_marshal";

  let format: SerializerFormat;
  if (railsVersion >= 7.1) {
    // SerializerWithFallback#load; JSON is assumed for undetectable bytes under :json only.
    format = found ?? (own === "json" ? "json" : refuse(found, serializer));
    if (format === "marshal" && !allowMarshal) refuse(found, serializer);
  } else if (serializer === "hybrid") {
    // needs_migration?: the Marshal signature, else JSON.
    format = found === "marshal" ? "marshal" : "json";
  } else if (serializer === "marshal") {
    // 6.1+ MarshalWithJsonFallback: Marshal.load raises TypeError on a foreign header, then JSON.
    format = found === "marshal" ? "marshal" : railsVersion >= 6.1 ? "json" : refuse(found, serializer);
  } else {
    format = "json";
    if (found === "marshal") refuse(found, serializer);
  }

  const value = BY_FORMAT[format].load(bytes);
  const needsRewrite =
    format !== own && (railsVersion >= 7.1 ? serializer !== "marshal" : serializer === "hybrid");
  return { value, format, needsRewrite };
}
