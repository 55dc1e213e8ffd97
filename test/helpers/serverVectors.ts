/** fixtures/rails-server-sessions/vectors.jsonl: sessions real Rails 6.1–8.0 kept in Redis and Memcached (README there). */
import { readFileSync } from "node:fs";
import { decodeJson } from "../../src/serializers/json.js";
import type { CacheCoderOptions } from "../../src/cache/coder.js";
import { fixturePath } from "./vectors.js";

export interface ServerVector {
  rails: string;
  defaults: string;
  store: "redis_cache_store" | "mem_cache_store" | "redis_session_store";
  store_options: {
    key: string;
    expire_after: number | null;
    cache?: { url?: string; servers?: string; namespace?: string; compress?: boolean; compress_threshold?: number; serializer?: string; expires_in?: number; coder?: string };
    redis?: { url: string; key_prefix: string | null; expire_after: number | null };
    serializer?: "json" | "marshal" | "hybrid";
  };
  cache_format_version: "6.1" | "7.0" | "7.1" | null;
  cache_serializer: string | null;
  scenario: string;
  cookie_name: string;
  cookie_value: string;
  set_cookie: string;
  public_session_id: string;
  written_at: number;
  store_key: string;
  store_value_b64: string;
  store_flags?: number;
  server_ttl_s?: number;
  ttl_ms: number | null;
  store_command: unknown;
  entry: Record<string, unknown>;
  rails_reads: unknown;
  rails_reads_marshal: string;
  session_found: boolean;
}

export const serverVectors: ServerVector[] = readFileSync(fixturePath("rails-server-sessions/vectors.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => decodeJson(l) as ServerVector);

export const describeVector = (v: ServerVector) =>
  `Rails ${v.rails} load_defaults ${v.defaults} ${v.store} ${JSON.stringify(v.store_options.cache ?? v.store_options.serializer)} ${v.scenario}`;

export const storeBytes = (v: ServerVector) => Buffer.from(v.store_value_b64, "base64");
/** The clock at which Rails wrote the entry (vectors expire: never read them on today's clock). */
export const writtenAt = (v: ServerVector) => new Date(Math.floor(v.written_at * 1000));

/** The cache coder options of a cache-store line (Rails version, load_defaults, serializer, compression). */
export function coderOptionsFor(v: ServerVector): CacheCoderOptions {
  const c = v.store_options.cache!;
  return {
    loadDefaults: v.defaults,
    railsVersion: v.rails.slice(0, 3),
    ...(c.serializer === "message_pack" ? { serializer: "message_pack" as const } : {}),
    ...(c.coder === "Marshal" ? { serializer: "coder_marshal" as const } : {}),
    ...(c.compress !== undefined ? { compress: c.compress } : {}),
    ...(c.compress_threshold !== undefined ? { compressThreshold: c.compress_threshold } : {}),
  };
}
