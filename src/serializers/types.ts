/**
 * The contract every cookie serializer fulfils: bytes ⇄ value.
 *
 * Rails picks the serializer with `config.action_dispatch.cookies_serializer`
 * (actionpack/lib/action_dispatch/middleware/cookies.rb, `SerializedCookieJars#serializer`) and,
 * from 7.1, detects the format of what it reads from its first bytes
 * (activesupport/lib/active_support/messages/serializer_with_fallback.rb). `detect` is that test.
 */
export type SerializerFormat = "json" | "marshal" | "message_pack";

export interface DumpOptions {
  /**
   * Most bytes to write (default 1 MiB). JSON and MessagePack have no links, so a value sharing
   * objects (a Marshal DAG) expands on the way out; the writers stop at this budget, which bounds
   * their work. Marshal keeps links and never expands.
   */
  maxBytes?: number;
}

export interface Serializer {
  /** The format's Rails name. */
  readonly format: SerializerFormat;
  /** True when `bytes` look like this format (Rails 7.1 `SerializerWithFallback` detection). */
  detect(bytes: Uint8Array): boolean;
  /**
   * Value → bytes, exactly as Rails writes them. Throws `UnserializableError` for values the format
   * cannot hold, and `TooLargeError` (code `too_large`) once the output passes `maxBytes`.
   */
  dump(value: unknown, options?: DumpOptions): Uint8Array;
  /** Bytes → value. Throws a `RailsCookieError` (`bad_payload`, `bad_marshal`, …) and never anything else. */
  load(bytes: Uint8Array): unknown;
}
