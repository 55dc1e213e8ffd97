/**
 * Loading the cookies real Rails wrote (fixtures/rails-vectors: Rails 6.1–8.0; fixtures/rails61:
 * written by rails-fixture-app) and turning a line's configuration into `CookieJar` options.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeJson } from "../../src/serializers/json.js";
import { RubyObject, RubySymbol, RubyTime } from "../../src/ruby/types.js";
import type { CookieJarOptions, CookieRotation } from "../../src/config.js";
import { railsReadsWith } from "./railsReads.js";
import { KeyGenerator } from "../../src/crypto/index.js";

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

/**
 * The `CookieJar` options of the app that wrote a line. `now` is required: a jar that reads a
 * vector on the machine's clock is a test that breaks on a date (test/helpers/clock.ts).
 */
export function jarOptionsFor(line: VectorLine, now: () => Date): CookieJarOptions {
  const options: Record<string, unknown> = {
    secretKeyBase: line.secret_key_base,
    loadDefaults: line.defaults,
    railsVersion: line.rails,
    cookiesSerializer: line.serializer,
  };
  if (line.secret_token) {
    // Rails dropped secret_token in 6.0; rails-fixture-app writes these cookies with 6.1's
    // ActiveSupport::MessageVerifier (the same code path 4.2–5.2 used), so read them as the
    // load_defaults version's app would.
    options["secretToken"] = line.secret_token;
    options["railsVersion"] = line.defaults;
  }
  for (const [key, value] of Object.entries(line.extra)) {
    const setting = key.slice(key.indexOf(".") + 1);
    options[camel(setting)] = setting === "cookies_rotations" ? rotationsOf(value as RotationSpec, line) : value;
  }
  options["now"] = now;
  return options as CookieJarOptions;
}

type RotationArg = { $key: { secret_key_base?: string; salt: string; length?: number } } | { $binary: string } | Record<string, unknown>;
type RotationSpec = { encrypted?: RotationArg[][]; signed?: RotationArg[][] };

/**
 * rails-fixture-app's JSON form of `config.action_dispatch.cookies_rotations` (lib/rcc/config.rb):
 * each entry is the argument list of `rotate(kind, *args)`, where `{"$key": …}` is a key that
 * `ActiveSupport::KeyGenerator.new(secret_key_base, iterations: 1000)` (SHA1) derives and a trailing
 * plain object holds the keyword options.
 */
function rotationsOf(spec: RotationSpec, line: VectorLine): CookieJarOptions["cookiesRotations"] {
  const raw = (arg: RotationArg): Uint8Array => {
    if ("$binary" in arg) return Buffer.from(String(arg.$binary), "base64");
    const k = (arg as { $key: { secret_key_base?: string; salt: string; length?: number } }).$key;
    return new KeyGenerator(k.secret_key_base ?? line.secret_key_base).generateKey(k.salt, k.length ?? 64);
  };
  const entry = (args: RotationArg[]): CookieRotation => {
    const rotation: CookieRotation = {};
    const rest = [...args];
    const last = rest[rest.length - 1];
    if (last && !("$key" in last) && !("$binary" in last)) {
      rest.pop();
      if (typeof last["cipher"] === "string") rotation.cipher = last["cipher"] as CookieRotation["cipher"];
      if (typeof last["digest"] === "string") rotation.digest = last["digest"] as CookieRotation["digest"];
    }
    if (rest[0]) rotation.secret = raw(rest[0]);
    if (rest[1]) rotation.signSecret = raw(rest[1]);
    return rotation;
  };
  return { encrypted: (spec.encrypted ?? []).map(entry), signed: (spec.signed ?? []).map(entry) };
}

/**
 * A decoded value in the shape of `rails_reads` (the vectors' README): Symbols as strings, Times as
 * ISO-8601 with microseconds, binary strings as {"$binary": base64}, Ranges as "1..10".
 */
export const asRailsReads = railsReadsWith({ RubyObject, RubySymbol, RubyTime }, (bytes) => Buffer.from(bytes).toString("base64"));
