/**
 * The `data` column codecs of activerecord-session_store: `ActiveRecord::SessionStore::Session.serializer`
 * (lib/active_record/session_store.rb, `ClassMethods#serializer_class`). Pure: text ⇄ session Hash.
 *
 * - `:marshal` (the default): `Base64.encode64(Marshal.dump(hash))`, i.e. standard Base64 with a
 *   newline after every 60 characters and at the end (Ruby's `pack("m")`); read back with
 *   `Marshal.load(Base64.decode64(text))`. Marshal goes through src/marshal/, so untouched entries
 *   are written back byte for byte.
 * - `:json`: `{"value":{…}}`. Gem 2.2.0+ writes Ruby's `JSON.dump(value: hash)` (the plain `json` gem:
 *   no HTML escaping of `<`, `>`, `&`); 2.0.0 and 2.1.0 wrote `MultiJson.dump`, which with ActiveSupport
 *   loaded escapes them as `ActiveSupport::JSON` does (both seen in the fixture rows). Read with
 *   `JSON.parse(text)` and `hash.with_indifferent_access[:value]`.
 * - `:hybrid`: reads text starting `BAh` (Base64 of Marshal's `\x04\x08`) as `:marshal`, anything else
 *   as `:json`; writes `:json`.
 * - `:null`: no serialization; a `json`/`jsonb` column and Active Record's JSON type
 *   (activerecord/lib/active_record/type/json.rb) do it: `ActiveSupport::JSON.encode(hash)` (HTML-escaped)
 *   on write, `ActiveSupport::JSON.decode` on read.
 *
 * `Session#data` is `deserialize(column) || {}` (lib/active_record/session_store/session.rb): a NULL
 * column, JSON `null`/`false` or a JSON Hash without `"value"` is an empty session. Anything else that
 * is not a Hash, or that does not parse, is refused with `SessionEntryError`: Rails would answer 500.
 */
import { RailsCookieError, SessionEntryError, UnserializableError } from "../../errors.js";
import { dump as marshalDump, load as marshalLoad } from "../../marshal/index.js";
import { decodeJson, encodeJson } from "../../serializers/json.js";
import { stringifyKeys } from "../../session/store.js";
// Ruby's `JSON.generate`/`JSON.dump` (ActiveSupport's text minus its HTML escapes), shared with the
// redis-session-store gem's serializer.
import { generateJson } from "../redisSessionStore.js";
import { writesMultiJson, type GemVersion } from "./gemVersion.js";

export type ActiveRecordSerializer = "marshal" | "json" | "hybrid" | "null";

export const ACTIVE_RECORD_SERIALIZERS: readonly ActiveRecordSerializer[] = ["marshal", "json", "hybrid", "null"];

/** `HybridSerializer::MARSHAL_SIGNATURE`: Base64 of `\x04\x08` followed by any byte starts `BAh`. */
const MARSHAL_SIGNATURE = "BAh";
/** What `Base64.decode64` can have been given by `encode64` (lines of Base64, newline-separated). */
const BASE64_TEXT = /^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/;

/** Ruby's `Base64.encode64`: a newline after every 60 characters and after the last line. */
export function encode64(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let out = "";
  for (let i = 0; i < b64.length; i += 60) out += b64.slice(i, i + 60) + "\n";
  return out;
}

/** `Base64.decode64` of what `encode64` wrote; other characters mean the row is not Base64. */
export function decode64(text: string): Uint8Array {
  if (!BASE64_TEXT.test(text)) throw new SessionEntryError("data column is not Base64 (serializer :marshal)");
  return Buffer.from(text.replace(/[\r\n]/g, ""), "base64");
}

function entryError(serializer: ActiveRecordSerializer, error: unknown): SessionEntryError {
  if (error instanceof SessionEntryError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new SessionEntryError(`data column does not hold a session (serializer :${serializer}): ${why}`, { cause: error });
}

/** The session Hash itself, keys as Strings (Rails' `Request::Session#load!` stringifies them). */
function sessionHash(value: unknown): Record<string, unknown> {
  if (value === null || value === false || value === undefined) return Object.create(null) as Record<string, unknown>;
  return stringifyKeys(value);
}

function loadMarshal(text: string): unknown {
  return marshalLoad(decode64(text));
}

function loadJson(text: string): unknown {
  const parsed = decodeJson(text);
  // `hash.is_a?(Hash) ? hash.with_indifferent_access[:value] : hash`
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    return Object.prototype.hasOwnProperty.call(parsed, "value") ? (parsed as Record<string, unknown>)["value"] : null;
  }
  return parsed;
}

/**
 * `Session#data` for a `data` column value (its text; null for SQL NULL). Throws `SessionEntryError`
 * and nothing else.
 */
export function loadSessionData(text: string | null, serializer: ActiveRecordSerializer): Record<string, unknown> {
  if (text === null) return Object.create(null) as Record<string, unknown>;
  try {
    switch (serializer) {
      case "marshal":
        return sessionHash(loadMarshal(text));
      case "json":
        return sessionHash(loadJson(text));
      case "hybrid":
        return sessionHash(text.startsWith(MARSHAL_SIGNATURE) ? loadMarshal(text) : loadJson(text));
      case "null":
        return sessionHash(decodeJson(text));
    }
  } catch (error) {
    if (error instanceof RailsCookieError || error instanceof Error) throw entryError(serializer, error);
    throw entryError(serializer, new Error(String(error)));
  }
}

/**
 * `serialize(data)` as `Session#serialize_data!` writes the column. Throws `UnserializableError` for a
 * value the serializer cannot hold (a binary String under JSON, a function…).
 */
export function dumpSessionData(
  data: Record<string, unknown>,
  serializer: ActiveRecordSerializer,
  gemVersion: GemVersion = "2.3.0",
): string {
  try {
    switch (serializer) {
      case "marshal":
        return encode64(marshalDump(data));
      case "json":
      case "hybrid":
        return writesMultiJson(gemVersion) ? encodeJson({ value: data }) : generateJson({ value: data });
      case "null":
        return encodeJson(data);
    }
  } catch (error) {
    if (error instanceof UnserializableError) throw error;
    throw new UnserializableError(`session cannot be written (serializer :${serializer}): ${(error as Error).message}`);
  }
}
