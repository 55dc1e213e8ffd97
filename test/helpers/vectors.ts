/**
 * Loading the cookies real Rails wrote (fixtures/rails-vectors: Rails 6.1–8.0; fixtures/rails61:
 * written by rails-fixture-app) and turning a line's configuration into `CookieJar` options.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeJson } from "../../src/serializers/json.js";
import { RubyObject, RubySymbol, RubyTime } from "../../src/ruby/types.js";
import type { CookieJarOptions } from "../../src/config.js";

export interface VectorLine {
  rails: string;
  defaults: string;
  serializer: string;
  secret_key_base: string;
  session_key: string;
  expire_after: number | null;
  extra: Record<string, unknown>;
  scenario: string;
  kind: "session" | "encrypted" | "signed";
  name: string;
  value: string;
  set_cookie?: string;
  rails_reads: unknown;
  rails_reads_marshal?: string;
  csrf_token?: string;
  secret_token?: string;
}

export const fixturePath = (relative: string) => fileURLToPath(new URL(`../../fixtures/${relative}`, import.meta.url));

/** Parses a vectors.jsonl; `rails_reads` keeps big integers exact (bigint). */
export function loadVectorFile(relative: string): VectorLine[] {
  return readFileSync(fixturePath(relative), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => decodeJson(line) as VectorLine);
}

/** How a test names a line: the README of the vectors asks for rails, defaults, serializer and scenario. */
export function describeLine(line: VectorLine): string {
  const extra = Object.keys(line.extra).length ? ` ${JSON.stringify(line.extra)}` : "";
  return `Rails ${line.rails} defaults ${line.defaults} ${line.serializer} ${line.scenario} (${line.kind} ${line.name})${extra}`;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The `CookieJar` options of the app that wrote a line. */
export function jarOptionsFor(line: VectorLine, now?: () => Date): CookieJarOptions {
  const options: Record<string, unknown> = {
    secretKeyBase: line.secret_key_base,
    loadDefaults: line.defaults,
    railsVersion: line.rails,
    cookiesSerializer: line.serializer,
  };
  if (line.secret_token) options["secretToken"] = line.secret_token;
  for (const [key, value] of Object.entries(line.extra)) {
    const setting = key.slice(key.indexOf(".") + 1);
    options[camel(setting)] = value;
  }
  if (now) options["now"] = now;
  return options as CookieJarOptions;
}

/**
 * A decoded value in the shape of `rails_reads` (the vectors' README): Symbols as strings, Times as
 * ISO-8601 with microseconds, binary strings as {"$binary": base64}, Ranges as "1..10".
 */
export function asRailsReads(value: unknown): unknown {
  if (value instanceof RubyTime) return value.toISOStringMicro();
  if (value instanceof RubySymbol) return value.name;
  if (value instanceof RubyObject) return value.toJSON();
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(asRailsReads);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), asRailsReads(v)]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asRailsReads(v)]));
  }
  return value;
}
