/**
 * The cookies the benchmark reads: lines of fixtures/rails-vectors (written by real Rails
 * 6.1–8.0) and fixtures/rails61 (written by the real Rails 6.1 app in rails-fixture-app/), and the
 * `CookieJar` options of the app that wrote each line.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { decodeJson } from "../../src/serializers/json.js";
import type { CookieJarOptions } from "../../src/config.js";
import { REPO } from "./rails.js";

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
  rails_reads: unknown;
  rails_reads_marshal: string;
}

export interface Selector {
  file: "rails-vectors" | "rails61";
  rails: string;
  defaults: string;
  serializer: string;
  scenario: string;
}

/** The cookie bench/load.ts sends: a session real Rails 8.0.5 wrote (load_defaults 8.0, JSON). */
export const LOAD_VECTOR: Selector = { file: "rails-vectors", rails: "8.0.5", defaults: "8.0", serializer: "json", scenario: "session_rich" };

/** The cookies of bench/run.ts's scenarios (a)–(e), by id. */
export const SELECTORS: Record<string, Selector> = {
  a: { file: "rails-vectors", rails: "8.0.5", defaults: "8.0", serializer: "json", scenario: "session_rich" },
  b: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "json", scenario: "session_rich" },
  c: { file: "rails61", rails: "6.1.7.10", defaults: "5.0", serializer: "marshal", scenario: "session_rich" },
  c2: { file: "rails61", rails: "6.1.7.10", defaults: "5.0", serializer: "json", scenario: "session_rich" },
  d: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "json", scenario: "signed_permanent" },
  e: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "marshal", scenario: "session_ruby_types" },
};

const cache = new Map<string, VectorLine[]>();

/** The first line matching `s` with no extra settings. */
export function vector(s: Selector): VectorLine {
  let lines = cache.get(s.file);
  if (!lines) {
    lines = readFileSync(resolve(REPO, "fixtures", s.file, "vectors.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => decodeJson(l) as VectorLine);
    cache.set(s.file, lines);
  }
  const found = lines.find(
    (l) =>
      l.rails === s.rails &&
      l.defaults === s.defaults &&
      l.serializer === s.serializer &&
      l.scenario === s.scenario &&
      Object.keys(l.extra).length === 0,
  );
  if (!found) throw new Error(`no vector ${JSON.stringify(s)}`);
  return found;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The options of the app that wrote the line (as test/helpers/vectors.ts `jarOptionsFor`). */
export function jarOptionsFor(line: VectorLine): CookieJarOptions {
  const options: Record<string, unknown> = {
    secretKeyBase: line.secret_key_base,
    loadDefaults: line.defaults,
    railsVersion: line.rails,
    cookiesSerializer: line.serializer,
  };
  for (const [key, value] of Object.entries(line.extra)) options[camel(key.slice(key.indexOf(".") + 1))] = value;
  return options as CookieJarOptions;
}

export const railsConfigOf = (l: VectorLine) => ({
  defaults: l.defaults,
  serializer: l.serializer,
  secret_key_base: l.secret_key_base,
  session_key: l.session_key,
  expire_after: l.expire_after,
  extra: l.extra,
});
