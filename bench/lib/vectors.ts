/**
 * The cookies the benchmark reads: lines of fixtures/rails-vectors (written by real Rails
 * 6.1–8.0) and fixtures/rails61 (written by the real Rails 6.1 app in rails-fixture-app/), and the
 * `CookieJar` options of the app that wrote each line.
 */
import { jarOptionsFor as jarOptionsAt, loadVectorFile, type VectorLine } from "../../test/helpers/vectors.js";
import { pinnedNow } from "../../test/helpers/clock.js";
import type { CookieJarOptions } from "../../src/config.js";

// One loader for tests and benchmarks: the same lines, the same app options, the same pinned clock
// (a benchmark that decodes on the machine's clock stops working the day its cookie expires).
export type { VectorLine };
// The same pinned instant, from a number: `pinnedNow` parses an ISO string on every call, which
// cost ours ~3 % of a signed-cookie read while the floor reads `Date.now()` (docs/bench.md).
const PINNED_MS = pinnedNow().getTime();
const benchNow = (): Date => new Date(PINNED_MS);
export const jarOptionsFor = (line: VectorLine): CookieJarOptions => jarOptionsAt(line, benchNow);

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
    lines = loadVectorFile(`${s.file}/vectors.jsonl`);
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

export const railsConfigOf = (l: VectorLine) => ({
  defaults: l.defaults,
  serializer: l.serializer,
  secret_key_base: l.secret_key_base,
  session_key: l.session_key,
  expire_after: l.expire_after,
  extra: l.extra,
});
